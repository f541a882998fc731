import { z } from 'zod';
import { CursorSchema, IsoDateTimeSchema, LimitSchema, ModuleTypeSchema, TriggerIdSchema } from './common.ts';
import { AdmissionSchema, ConditionOutcomeSchema, ExecutionOutcomeSchema, ExecutionSchema, type Admission } from './execution.ts';
import { TenantIdSchema } from './tenant.ts';

/**
 * What the engine made of an event: `matched` when at least one rule matched, `not_matched`
 * when rules ran and none did, `no_rules` when the tenant has no active rule for its trigger,
 * `loop_guarded` when it was too many action hops deep for any rule to run, `budget_exceeded` when a
 * fan-out budget stopped its rules or all of its matched rules' actions.
 */
export const EventStatusSchema = z.enum(['matched', 'not_matched', 'no_rules', 'loop_guarded', 'budget_exceeded']);
export type EventStatus = z.infer<typeof EventStatusSchema>;

/** The first condition of a rule that did not pass, with the value it saw. */
export const FailedConditionSchema = ConditionOutcomeSchema.omit({ conditions: true, passed: true });

/** One rule's verdict on an event: enough to answer "why didn't my rule fire?" without an execution. */
export const RuleOutcomeSchema = z.object({
  rule_id: z.uuid(),
  rule_name: z.string(),
  outcome: ExecutionOutcomeSchema,
  /** For a rule that did not match: the first failing condition (inside a group, the first failing one in it). */
  failed_condition: FailedConditionSchema.optional(),
});
export type RuleOutcome = z.infer<typeof RuleOutcomeSchema>;

/** Event data larger than this, as JSON, is not kept on the record; `data_note` says so. */
export const EVENT_RECORD_MAX_DATA_BYTES = 16 * 1024;

/** How an event got past flow control: `deferred` and how long it waited on the deferred lane. */
export const EventAdmissionSchema = AdmissionSchema;
export type EventAdmission = Admission;

/** One consumed event, as the engine saw it: one record per event, whatever the number of rules. */
export const EventRecordSchema = z.object({
  id: z.uuid(),
  tenant_id: TenantIdSchema,
  type: TriggerIdSchema,
  module_type: ModuleTypeSchema,
  source: z.string(),
  /** When the event happened, as its publisher said. */
  time: IsoDateTimeSchema,
  /** When the engine first consumed it. */
  received_at: IsoDateTimeSchema,
  correlation_id: z.string(),
  causation_id: z.string().nullable(),
  causation_depth: z.number().int().min(0),
  /** The event's data, or `{}` when it was larger than {@link EVENT_RECORD_MAX_DATA_BYTES}. */
  data: z.record(z.string(), z.unknown()),
  /** Set when `data` was not kept in full. */
  data_note: z.string().optional(),
  status: EventStatusSchema,
  rules: z.array(RuleOutcomeSchema),
  /** Deliveries of the event it took to record it (1 = first try). */
  deliveries: z.number().int().min(1).optional(),
  /** Set when the event was deferred (its tenant was over its flow-control limits, docs/fairness.md): it was throttled, not stuck. */
  admission: EventAdmissionSchema.optional(),
});
export type EventRecord = z.infer<typeof EventRecordSchema>;

/** `GET /api/v1/events/{event_id}`: the record and the executions the event caused. */
export const EventDetailSchema = EventRecordSchema.extend({
  executions: z.array(ExecutionSchema),
});
export type EventDetail = z.infer<typeof EventDetailSchema>;

/** Query of `GET /api/v1/events`: newest first (by received time), a page after `cursor`. */
export const ListEventsQuerySchema = z.strictObject({
  type: TriggerIdSchema.optional(),
  status: EventStatusSchema.optional(),
  /** `true`: only events that flow control deferred; `false`: only those it did not. */
  deferred: z.enum(['true', 'false']).transform((value) => value === 'true').optional(),
  from: IsoDateTimeSchema.optional(),
  to: IsoDateTimeSchema.optional(),
  cursor: CursorSchema.optional(),
  limit: LimitSchema,
});
export type EventFilter = z.infer<typeof ListEventsQuerySchema>;
