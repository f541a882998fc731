import {
  CLOSED_LOST,
  CLOSED_WON,
  deterministicUuid,
  type AutomationSettings,
  type Entity,
  type EventEnvelope,
  type ModuleType,
} from '@flowline/contracts';

/** Who made a change, so the events it raises can say where they came from. */
export interface ChangeOrigin {
  /**
   * What makes this change unique (`opportunity:<id>:v3`, `command:<id>`): the events' ids
   * derive from it, so queueing the same change twice gives the same ids and the engine,
   * whose executions are keyed by (event, rule), does the work once.
   */
  idSeed: string;
  source: string;
  time: string;
  /** Defaults to the first event's id. */
  correlation_id?: string | undefined;
  /** The event whose action made this change; null for a change from the outside world. */
  causation_id: string | null;
  causation_depth: number;
  /** The trace the change was made in, so the engine continues it when the relay publishes. */
  traceparent?: string | undefined;
}

/** Fields with a before/after the change conditions (`changed_to`...) read as `old_<f>` / `new_<f>`. */
const TRACKED_FIELDS = ['status', 'stage'] as const;
const META_FIELDS = new Set(['id', 'tenant_id', 'entity_type', 'created_at', 'updated_at']);
const MODULE_OF: Record<Entity['entity_type'], ModuleType> = { contact: 'crm', lead: 'crm', opportunity: 'sales' };

/**
 * The events a committed change raises: `before` is null for a creation. Each carries the
 * entity's fields (so `{{opportunity_name}}` renders) plus its trigger's required data.
 */
export function eventsForChange(before: Entity | null, after: Entity, settings: AutomationSettings, origin: ChangeOrigin): EventEnvelope[] {
  const base = entityData(after);
  if (before !== null) {
    for (const field of TRACKED_FIELDS) {
      if (field in after) {
        base[`old_${field}`] = (before as Record<string, unknown>)[field];
        base[`new_${field}`] = (after as Record<string, unknown>)[field];
      }
    }
    base['changed_fields'] = Object.keys(after).filter(
      (key) => !META_FIELDS.has(key) && key !== 'version' && (before as Record<string, unknown>)[key] !== (after as Record<string, unknown>)[key],
    );
  }
  const raised: Array<[string, Record<string, unknown>]> = [];
  const raise = (trigger: string, extra: Record<string, unknown> = {}) => raised.push([trigger, { ...base, ...extra }]);

  switch (after.entity_type) {
    case 'contact': {
      const old = before?.entity_type === 'contact' ? before : null;
      if (old === null) raise('contact_created');
      else {
        raise('contact_updated');
        if (old.status !== after.status) raise('contact_status_changed');
      }
      break;
    }
    case 'lead': {
      const old = before?.entity_type === 'lead' ? before : null;
      if (old === null) raise('lead_created');
      else if (old.status !== after.status) raise('lead_status_changed');
      break;
    }
    case 'opportunity': {
      const old = before?.entity_type === 'opportunity' ? before : null;
      if (old === null) raise('opportunity_created');
      else if (old.stage !== after.stage) raise('opportunity_stage_changed');
      if (old?.stage !== after.stage && after.stage === CLOSED_WON) raise('deal_closed_won');
      if (old?.stage !== after.stage && after.stage === CLOSED_LOST) raise('deal_closed_lost', { reason: after.lost_reason ?? 'not given' });
      // Crossing from below only: later edits above the threshold raise nothing.
      const threshold = settings.high_value_threshold;
      if (after.value >= threshold && (old === null || old.value < threshold)) raise('high_value_opportunity', { threshold });
      break;
    }
    default: {
      const unreachable: never = after;
      throw new Error(`unknown entity ${JSON.stringify(unreachable)}`);
    }
  }

  const ids = raised.map(([trigger]) => deterministicUuid('entity-event', origin.idSeed, trigger));
  return raised.map(([trigger, data], index) => ({
    id: ids[index]!,
    tenant_id: after.tenant_id,
    type: trigger,
    module_type: MODULE_OF[after.entity_type],
    source: origin.source,
    time: origin.time,
    data,
    correlation_id: origin.correlation_id ?? ids[0]!,
    causation_id: origin.causation_id,
    causation_depth: origin.causation_depth,
    ...(origin.traceparent === undefined ? {} : { traceparent: origin.traceparent }),
  }));
}

/** `<type>_id`, `<type>_name` and every business field of the entity. */
function entityData(entity: Entity): Record<string, unknown> {
  const data: Record<string, unknown> = {
    entity_type: entity.entity_type,
    entity_id: entity.id,
    [`${entity.entity_type}_id`]: entity.id,
    [`${entity.entity_type}_name`]: entity.name,
  };
  for (const [key, value] of Object.entries(entity)) {
    if (!META_FIELDS.has(key)) data[key] = value;
  }
  return data;
}
