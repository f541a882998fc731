import { EntitySchema, ENTITY_TYPES, type Entity, type EntityType, type TenantId } from '@flowline/contracts';
import { eventsForChange } from '@flowline/rules';
import type { Stores } from '@flowline/storage';
import { failed, succeeded, type ActionHandler, type CommandOf } from './action-context.ts';

/** Concurrent writers can move the version under us this many times before we give up and retry later. */
const MAX_CONFLICTS = 5;

/**
 * Sets a contact's or lead's status, or an opportunity's stage, within the command's tenant,
 * and queues the events that change raises (through the same outbox as the api's writes),
 * caused by the triggering event one hop deeper. The events' ids derive from the command id,
 * so a redelivered command finds them queued already and changes nothing.
 */
export const updateStatus: ActionHandler<CommandOf<'update_status'>> = async (command, { stores, logger, afterEntityCommit, traceparent }) => {
  const { entity_id, new_status, entity_type } = command.parameters;
  const tenant = command.tenant_id;
  for (let attempt = 1; attempt <= MAX_CONFLICTS; attempt++) {
    const current = await find(stores, tenant, entity_type ? [entity_type] : ENTITY_TYPES, entity_id);
    if (current === null) {
      return failed(`entity not found: ${entity_type ?? 'contact, lead or opportunity'} '${entity_id}' in tenant '${tenant}'`);
    }
    const field = current.entity_type === 'opportunity' ? 'stage' : 'status';
    const old = current.entity_type === 'opportunity' ? current.stage : current.status;
    if (old === new_status) {
      logger.info({ entity_id, field, value: new_status }, 'entity already had the requested value; nothing changed');
      return succeeded();
    }
    const now = new Date().toISOString();
    const next = EntitySchema.safeParse({ ...current, [field]: new_status, version: current.version + 1, updated_at: now });
    if (!next.success) return failed(`'${new_status}' is not a valid ${field}: ${next.error.issues[0]?.message ?? 'invalid'}`);
    const events = eventsForChange(current, next.data, await stores.settings.get(tenant), {
      idSeed: `command:${command.id}`,
      source: 'action:update_status',
      time: now,
      correlation_id: command.correlation_id,
      causation_id: command.event_id,
      causation_depth: command.causation_depth + 1,
      traceparent,
    });
    const outcome = await stores.entities.update(tenant, next.data, current.version, events);
    switch (outcome) {
      case 'updated':
        afterEntityCommit?.();
        logger.info({ entity_id, entity_type: current.entity_type, field, old, new: new_status, events: events.map((e) => e.type) }, 'entity updated');
        return succeeded();
      case 'duplicate':
        logger.info({ entity_id }, 'an earlier delivery of this command made the change already');
        return succeeded();
      case 'not_found':
        return failed(`entity not found: ${current.entity_type} '${entity_id}' in tenant '${tenant}'`);
      case 'version_conflict':
        continue;
      default: {
        const unreachable: never = outcome;
        throw new Error(`unknown outcome ${String(unreachable)}`);
      }
    }
  }
  // Thrown, not failed: a transient contention the bus retries with the same command id.
  throw new Error(`entity '${entity_id}' kept changing under update_status; will retry`);
};

async function find(stores: Stores, tenant: TenantId, types: readonly EntityType[], id: string): Promise<Entity | null> {
  for (const type of types) {
    const entity = await stores.entities.get(tenant, type, id);
    if (entity !== null) return entity;
  }
  return null;
}
