import { z } from 'zod';
import { ActionSchema } from './action.ts';
import { CursorSchema, IsoDateTimeSchema, LimitSchema, ListShapeSchema, ModuleTypeSchema, TriggerIdSchema } from './common.ts';
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

/** A rule's version: 1 when created, one more with every change. */
export const RuleVersionNumberSchema = z.number().int().min(1).max(Number.MAX_SAFE_INTEGER);

/**
 * Body of `PUT /api/v1/automation/rules/{rule_id}`: the whole rule, as `GET` returns it. The
 * fields a user cannot change may be sent, and must then equal the stored ones (the service
 * checks); `updated_at` is the server's and is ignored; `version` is the one the client read.
 */
export const ReplaceRuleRequestSchema = z.strictObject({
  name,
  description: description.default(''),
  conditions: conditions.default([]),
  actions,
  is_active: z.boolean().default(true),
  version: RuleVersionNumberSchema.optional(),
  id: z.uuid().optional(),
  tenant_id: TenantIdSchema.optional(),
  module_type: ModuleTypeSchema.optional(),
  trigger_id: TriggerIdSchema.optional(),
  created_at: IsoDateTimeSchema.optional(),
  updated_at: IsoDateTimeSchema.optional(),
});
export type ReplaceRuleRequest = z.infer<typeof ReplaceRuleRequestSchema>;

/** The fields of a rule that never change; a PUT or PATCH may only repeat them. */
export const IMMUTABLE_RULE_FIELDS = ['id', 'tenant_id', 'module_type', 'trigger_id', 'created_at'] as const;

/**
 * Body of `PATCH /api/v1/automation/rules/{rule_id}`, a JSON merge patch (RFC 7396): the given
 * fields replace the rule's (arrays whole), `null` removes one. The result must be a valid
 * {@link ReplaceRuleRequestSchema}; this schema documents the shape.
 */
export const PatchRuleRequestSchema = z
  .object({
    name: name.optional(),
    description: description.optional(),
    conditions: conditions.optional(),
    actions: actions.optional(),
    is_active: z.boolean().optional(),
    version: RuleVersionNumberSchema.optional().describe('The version the client read (or send If-Match).'),
  })
  .describe('A JSON merge patch of the rule; send it as application/merge-patch+json (application/json is accepted too).');

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
  /** 1 when created, one more with every change; the ETag, and what PUT/PATCH must name. */
  version: RuleVersionNumberSchema,
  created_at: IsoDateTimeSchema,
  updated_at: IsoDateTimeSchema,
});
export type Rule = z.infer<typeof RuleSchema>;

/** An immutable snapshot of one version of a rule, kept for every change. */
export const RuleVersionSchema = z.object({
  tenant_id: TenantIdSchema,
  rule_id: z.uuid(),
  version: RuleVersionNumberSchema,
  action: z.enum(['created', 'updated', 'toggled']),
  /** The token's subject, or `trusted-header`. */
  actor: z.string(),
  created_at: IsoDateTimeSchema,
  rule: RuleSchema,
});
export type RuleVersion = z.infer<typeof RuleVersionSchema>;

/** One change to a tenant's rules or settings, as `GET /api/v1/audit` lists it. */
export const AuditEntrySchema = z.object({
  id: z.uuid(),
  tenant_id: TenantIdSchema,
  created_at: IsoDateTimeSchema,
  actor: z.string(),
  action: z.enum(['rule.created', 'rule.updated', 'rule.toggled', 'rule.deleted', 'settings.updated']),
  target_type: z.enum(['rule', 'settings']),
  /** The rule's id; null for settings. */
  target_id: z.string().nullable(),
  target_name: z.string().nullable(),
  version_before: RuleVersionNumberSchema.nullable(),
  version_after: RuleVersionNumberSchema.nullable(),
  /** The top-level fields the change touched. */
  changed_fields: z.array(z.string()),
});
export type AuditEntry = z.infer<typeof AuditEntrySchema>;

const booleanQuery = z.enum(['true', 'false']).transform((v) => v === 'true');

/**
 * Query of `GET /api/v1/automation/rules`: newest first, a page after `cursor`; unknown keys
 * (e.g. `is_active[$ne]`) are rejected.
 */
export const ListRulesQuerySchema = z.strictObject({
  module_type: ModuleTypeSchema.optional(),
  trigger_id: TriggerIdSchema.optional(),
  is_active: booleanQuery.optional(),
  cursor: CursorSchema.optional(),
  limit: LimitSchema,
  shape: ListShapeSchema.optional(),
});
export type RuleFilter = Omit<z.infer<typeof ListRulesQuerySchema>, 'shape'>;

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
