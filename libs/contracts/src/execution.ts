import { z } from 'zod';
import { IsoDateTimeSchema, LimitSchema, TriggerIdSchema } from './common.ts';
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

/** `scheduled`: waiting for its `run_at`; `cancelled`: a scheduled action that did not run (see `error`). */
export const ActionStatusSchema = z.enum(['pending', 'scheduled', 'succeeded', 'failed', 'cancelled']);
export type ActionStatus = z.infer<typeof ActionStatusSchema>;

/** What a webhook's receiver answered (the last answer, when there were retries). */
export const WebhookResponseSchema = z.object({
  status: z.number().int(),
  duration_ms: z.number().int().min(0),
  /** The first bytes of the response body, as text. */
  body_excerpt: z.string().max(1024).optional(),
});
export type WebhookResponse = z.infer<typeof WebhookResponseSchema>;

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
});
export type ActionOutcome = z.infer<typeof ActionOutcomeSchema>;

/** The record of one rule evaluated against one event. */
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
  outcome: z.enum(['matched', 'not_matched', 'loop_guard', 'budget_exceeded']),
  matched: z.boolean(),
  conditions: z.array(ConditionOutcomeSchema),
  actions: z.array(ActionOutcomeSchema),
  /** Things worth knowing that did not stop the run, e.g. a template value that was missing. */
  notes: z.array(z.string()),
  /** Deliveries of the event it took to record this evaluation (1 = first try). */
  deliveries: z.number().int().min(1).optional(),
  created_at: IsoDateTimeSchema,
  updated_at: IsoDateTimeSchema,
});
export type Execution = z.infer<typeof ExecutionSchema>;

export const ActionResultSchema = z.object({
  status: z.enum(['succeeded', 'failed', 'cancelled']),
  error: z.string().optional(),
  completed_at: IsoDateTimeSchema,
  /** Deliveries of the action command so far, this one included. */
  deliveries: z.number().int().min(1).optional(),
  response: WebhookResponseSchema.optional(),
});
export type ActionResult = z.infer<typeof ActionResultSchema>;

export const ListExecutionsQuerySchema = z.strictObject({
  rule_id: z.uuid().optional(),
  event_id: z.uuid().optional(),
  limit: LimitSchema,
});
export type ExecutionFilter = z.infer<typeof ListExecutionsQuerySchema>;
