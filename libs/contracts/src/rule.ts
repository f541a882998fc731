import { z } from 'zod';
import { ActionSchema } from './action.ts';
import { IsoDateTimeSchema, ModuleTypeSchema, TriggerIdSchema } from './common.ts';
import { ConditionSchema } from './condition.ts';
import { EventDataSchema } from './event.ts';
import { TenantIdSchema } from './tenant.ts';

export const MAX_CONDITIONS_PER_RULE = 50;
export const MAX_ACTIONS_PER_RULE = 20;

const name = z.string().trim().min(1).max(200);
const description = z.string().max(2000);
const conditions = z.array(ConditionSchema).max(MAX_CONDITIONS_PER_RULE);
const actions = z.array(ActionSchema).min(1).max(MAX_ACTIONS_PER_RULE);

/** Body of `POST /api/v1/automation/rules`. The tenant comes from the request, never from here. */
export const CreateRuleRequestSchema = z.strictObject({
  name,
  description: description.default(''),
  module_type: ModuleTypeSchema,
  trigger_id: TriggerIdSchema,
  conditions: conditions.default([]),
  actions,
  is_active: z.boolean().default(true),
});
export type CreateRuleRequest = z.infer<typeof CreateRuleRequestSchema>;

/** Body of `PUT /api/v1/automation/rules/{rule_id}`: the fields a user may edit. */
export const UpdateRuleRequestSchema = z
  .strictObject({
    name: name.optional(),
    description: description.optional(),
    conditions: conditions.optional(),
    actions: actions.optional(),
    is_active: z.boolean().optional(),
  })
  .refine((body) => Object.keys(body).length > 0, {
    message: 'at least one field must be given',
    // Unknown fields are already reported; "nothing given" would only add noise then.
    when: (payload) => payload.issues.length === 0,
  });
export type UpdateRuleRequest = z.infer<typeof UpdateRuleRequestSchema>;

/** The stored rule document, as in the spec (collection `config.automation_rules`). */
export const RuleSchema = z.strictObject({
  id: z.uuid(),
  tenant_id: TenantIdSchema,
  name,
  description,
  module_type: ModuleTypeSchema,
  trigger_id: TriggerIdSchema,
  conditions,
  actions,
  is_active: z.boolean(),
  created_at: IsoDateTimeSchema,
  updated_at: IsoDateTimeSchema,
});
export type Rule = z.infer<typeof RuleSchema>;

const booleanQuery = z.enum(['true', 'false']).transform((v) => v === 'true');

/** Query of `GET /api/v1/automation/rules`; unknown keys (e.g. `is_active[$ne]`) are rejected. */
export const ListRulesQuerySchema = z.strictObject({
  module_type: ModuleTypeSchema.optional(),
  trigger_id: TriggerIdSchema.optional(),
  is_active: booleanQuery.optional(),
});
export type RuleFilter = z.infer<typeof ListRulesQuerySchema>;

export const ToggleRuleQuerySchema = z.strictObject({ is_active: booleanQuery });

/** A likely mistake in a rule that is still valid: never blocks a save. */
export const RuleWarningSchema = z.object({ path: z.string(), message: z.string() });
export type RuleWarning = z.infer<typeof RuleWarningSchema>;

/**
 * Body of `POST /api/v1/automation/rules/test`: a draft rule (as for create) or a stored rule's
 * id, and a sample event. Nothing is stored or published.
 */
export const RuleTestRequestSchema = z
  .strictObject({
    rule: CreateRuleRequestSchema.optional(),
    rule_id: z.uuid('must be a rule id (UUID)').optional(),
    event: z.strictObject({ type: TriggerIdSchema, data: EventDataSchema }),
  })
  .refine((body) => (body.rule === undefined) !== (body.rule_id === undefined), {
    message: 'give either rule (a draft) or rule_id (a stored rule), not both',
    path: ['rule'],
    when: (payload) => payload.issues.length === 0,
  });
export type RuleTestRequest = z.infer<typeof RuleTestRequestSchema>;
