import { z } from 'zod';
import { CursorSchema, IsoDateTimeSchema, LimitSchema, TriggerIdSchema } from './common.ts';
import { TenantIdSchema } from './tenant.ts';

export interface ConditionOutcome {
  index: number;
  type: string;
  field?: string | undefined;
  /** Absent for an `all` / `any` group. */
  expected?: unknown;
  /** The value the condition saw in the event data; absent when the field was missing, and for a group. */
  actual?: unknown;
  passed: boolean;
  /** For an `all` / `any` group: the outcome of each condition in it. */
  conditions?: ConditionOutcome[] | undefined;
}

export const ConditionOutcomeSchema = z.object({
  index: z.number().int(),
  type: z.string(),
  field: z.string().optional(),
  // Optional, as JSON drops an undefined value: the document must not promise the key.
  expected: z.unknown().optional().describe('Absent for an all/any group.'),
  actual: z.unknown().optional().describe('The value the condition saw; absent when the field was missing, and for a group.'),
  passed: z.boolean(),
  get conditions(): z.ZodOptional<z.ZodArray<z.ZodType<ConditionOutcome>>> {
    return z.array(ConditionOutcomeSchema).optional();
  },
}).meta({ id: 'ConditionOutcome', description: 'What one condition saw and whether it held; a group carries its members.' });

/**
 * `scheduled`: waiting for its `run_at`; `cancelled`: a scheduled action that did not run (see `error`);
 * `failed`: the action ran and failed, or its command was refused as permanently invalid;
 * `dead_lettered`: its command was given up after its last attempt. None of the last three changes again
 * unless a replayed dead letter runs it.
 */
export const ActionStatusSchema = z.enum(['pending', 'scheduled', 'succeeded', 'failed', 'cancelled', 'dead_lettered']);
export type ActionStatus = z.infer<typeof ActionStatusSchema>;

/** What a webhook's receiver answered (the last answer, when there were retries). */
export const WebhookResponseSchema = z.object({
  status: z.number().int(),
  duration_ms: z.number().int().min(0),
  /** The first bytes of the response body, as text. */
  body_excerpt: z.string().max(1024).optional(),
});
export type WebhookResponse = z.infer<typeof WebhookResponseSchema>;

/**
 * Set on an event record or an action's outcome when flow control deferred it (its tenant was over
 * its limits, docs/fairness.md): throttled, not stuck, and how long it waited on the deferred lane.
 */
export const AdmissionSchema = z.object({
  deferred: z.literal(true),
  /** From when it was first deferred (or, routed straight to the deferred lane, published) to when it was taken. */
  waited_ms: z.number().int().min(0),
});
export type Admission = z.infer<typeof AdmissionSchema>;

export const ActionOutcomeSchema = z.object({
  index: z.number().int(),
  command_id: z.uuid(),
  type: z.string(),
  status: ActionStatusSchema,
  parameters: z.record(z.string(), z.unknown()),
  error: z.string().optional(),
  /** Placeholders that had no value in the event: the action then fails rather than run half-rendered. */
  missing_placeholders: z.array(z.string()).optional(),
  completed_at: IsoDateTimeSchema.optional(),
  /** Deliveries of the action command it took to record this outcome (1 = first try). */
  deliveries: z.number().int().min(1).optional(),
  /** For a scheduled action: when it is due. */
  run_at: IsoDateTimeSchema.optional(),
  response: WebhookResponseSchema.optional(),
  /** Set when flow control deferred the action command. */
  admission: AdmissionSchema.optional(),
});
export type ActionOutcome = z.infer<typeof ActionOutcomeSchema>;

export const ExecutionOutcomeSchema = z.enum(['matched', 'not_matched', 'loop_guard', 'budget_exceeded']);

/** Derived from the actions' statuses on read: `succeeded` also when there were no actions to run. */
export const ExecutionStatusSchema = z.enum(['pending', 'succeeded', 'failed', 'partially_failed']);
export type ExecutionStatus = z.infer<typeof ExecutionStatusSchema>;

/** The record of one rule that matched an event (or was stopped by the loop guard). */
export const ExecutionSchema = z.object({
  id: z.uuid(),
  tenant_id: TenantIdSchema,
  event_id: z.uuid(),
  rule_id: z.uuid(),
  rule_name: z.string(),
  /** The version of the rule that ran (see GET /automation/rules/{id}/versions/{n}); absent on records made before versions. */
  rule_version: z.number().int().min(1).optional(),
  trigger_id: TriggerIdSchema,
  correlation_id: z.string(),
  /**
   * `loop_guard`: the event was too many action hops deep, so the rule was not evaluated.
   * `budget_exceeded`: a fan-out budget was used up, so the rule or some of its actions were not
   * run; a note names the budget.
   */
  outcome: ExecutionOutcomeSchema,
  matched: z.boolean(),
  conditions: z.array(ConditionOutcomeSchema),
  actions: z.array(ActionOutcomeSchema),
  /** Things worth knowing that did not stop the run, e.g. a template value that was missing. */
  notes: z.array(z.string()),
  /** Deliveries of the event it took to record this evaluation (1 = first try). */
  deliveries: z.number().int().min(1).optional(),
  /** Filled in by the store on read from the actions' statuses; never stored. */
  status: ExecutionStatusSchema.optional(),
  created_at: IsoDateTimeSchema,
  updated_at: IsoDateTimeSchema,
});
export type Execution = z.infer<typeof ExecutionSchema>;

/** What a handler reports for one action command. */
export const ActionResultSchema = z.object({
  status: z.enum(['succeeded', 'failed', 'cancelled', 'dead_lettered']),
  error: z.string().optional(),
  completed_at: IsoDateTimeSchema,
  /** Deliveries of the action command so far, this one included. */
  deliveries: z.number().int().min(1).optional(),
  response: WebhookResponseSchema.optional(),
  /** Set when flow control deferred the command. */
  admission: AdmissionSchema.optional(),
});
export type ActionResult = z.infer<typeof ActionResultSchema>;

/**
 * One action's outcome, stored on its own by command id rather than written into the
 * execution, so that recording it is one small insert-or-replace, and merged into the
 * execution's `actions` on read.
 */
export const ActionResultRecordSchema = ActionResultSchema.extend({
  command_id: z.uuid(),
  execution_id: z.uuid(),
  action_index: z.number().int().min(0),
});
export type ActionResultRecord = z.infer<typeof ActionResultRecordSchema>;

/** Query of `GET /api/v1/automation/executions`: newest first, a page after `cursor`. */
export const ListExecutionsQuerySchema = z.strictObject({
  rule_id: z.uuid().optional(),
  event_id: z.uuid().optional(),
  trigger_id: TriggerIdSchema.optional(),
  outcome: ExecutionOutcomeSchema.optional(),
  status: ExecutionStatusSchema.optional(),
  from: IsoDateTimeSchema.optional(),
  to: IsoDateTimeSchema.optional(),
  cursor: CursorSchema.optional(),
  limit: LimitSchema,
});
export type ExecutionFilter = z.infer<typeof ListExecutionsQuerySchema>;

/**
 * The overall status of an execution whose actions have these statuses: `pending` while any action is
 * pending or scheduled; a cancelled action counts as not done, like a failed one.
 */
export function executionStatusOf(actions: ReadonlyArray<{ status: ActionStatus }>): ExecutionStatus {
  let succeeded = 0;
  let failed = 0;
  for (const action of actions) {
    if (action.status === 'pending' || action.status === 'scheduled') return 'pending';
    if (action.status === 'succeeded') succeeded++;
    else failed++;
  }
  if (failed === 0) return 'succeeded';
  return succeeded === 0 ? 'failed' : 'partially_failed';
}
