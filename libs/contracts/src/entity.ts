import { z } from 'zod';
import { CursorSchema, IsoDateTimeSchema, type Page } from './common.ts';
import { TenantIdSchema } from './tenant.ts';

/** The management modules' entities; `update_status` names one of these in `entity_type`. */
export const EntityTypeSchema = z.enum(['contact', 'lead', 'opportunity']);
export type EntityType = z.infer<typeof EntityTypeSchema>;
export const ENTITY_TYPES = EntityTypeSchema.options;

const name = z.string().trim().min(1).max(200);
const status = z.string().trim().min(1).max(100);

/** Stage names with a meaning of their own: reaching one raises deal_closed_won / deal_closed_lost. */
export const CLOSED_WON = 'closed_won';
export const CLOSED_LOST = 'closed_lost';

const EntityMeta = {
  id: z.uuid(),
  tenant_id: TenantIdSchema,
  /** Starts at 1 and grows by one with every committed change; PATCH must name the one it read. */
  version: z.number().int().min(1),
  created_at: IsoDateTimeSchema,
  updated_at: IsoDateTimeSchema,
};

/**
 * RFC 5321 allows at most 64 characters before the @, which zod's email check does not enforce;
 * a longer one would be stored and then refused by every mail server.
 */
const email = z
  .email()
  .max(320)
  .refine((value) => value.lastIndexOf('@') <= 64, 'the part before @ must be at most 64 characters')
  .meta({ description: 'An e-mail address; the part before @ is at most 64 characters (RFC 5321).' });
const ContactFields = { name, email, status };
const LeadFields = { name, source: z.string().trim().min(1).max(200), status };
const OpportunityFields = {
  name,
  value: z.number().finite().min(0),
  currency: z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as USD'),
  stage: status,
  owner: z.string().trim().min(1).max(320),
  /** Why a deal was lost; carried as `reason` on deal_closed_lost. */
  lost_reason: z.string().trim().min(1).max(1000).optional(),
};

export const ContactSchema = z.strictObject({ ...EntityMeta, entity_type: z.literal('contact'), ...ContactFields });
export const LeadSchema = z.strictObject({ ...EntityMeta, entity_type: z.literal('lead'), ...LeadFields });
export const OpportunitySchema = z.strictObject({ ...EntityMeta, entity_type: z.literal('opportunity'), ...OpportunityFields });
export type Contact = z.infer<typeof ContactSchema>;
export type Lead = z.infer<typeof LeadSchema>;
export type Opportunity = z.infer<typeof OpportunitySchema>;

export const EntitySchema = z.discriminatedUnion('entity_type', [ContactSchema, LeadSchema, OpportunitySchema]);
export type Entity = z.infer<typeof EntitySchema>;
export type EntityOf<T extends EntityType> = Extract<Entity, { entity_type: T }>;

/** Bodies of `POST` on each entity collection. The tenant, id and version are never the client's. */
export const CreateEntityRequestSchemas = {
  contact: z.strictObject({ ...ContactFields, status: status.default('new') }),
  lead: z.strictObject({ ...LeadFields, status: status.default('new') }),
  opportunity: z.strictObject({ ...OpportunityFields, currency: OpportunityFields.currency.default('USD'), stage: status.default('prospecting') }),
} as const;

const version = z.number().int().min(1);
const someChange = {
  message: 'at least one field besides version must be given',
  when: (payload: { issues: unknown[] }) => payload.issues.length === 0,
};

/** Bodies of `PATCH /{id}`: the version the client read, and the fields it changes. */
export const PatchEntityRequestSchemas = {
  contact: z.strictObject({ version, ...partial(ContactFields) }).refine((b) => Object.keys(b).length > 1, someChange),
  lead: z.strictObject({ version, ...partial(LeadFields) }).refine((b) => Object.keys(b).length > 1, someChange),
  opportunity: z.strictObject({ version, ...partial(OpportunityFields) }).refine((b) => Object.keys(b).length > 1, someChange),
} as const;

function partial<S extends Record<string, z.ZodType>>(shape: S): { [K in keyof S]: z.ZodOptional<S[K]> } {
  return Object.fromEntries(Object.entries(shape).map(([key, schema]) => [key, schema.optional()])) as never;
}

/** Query of the entity list endpoints: a page of at most `limit`, after `cursor` (from the previous page). */
export const ListEntitiesQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: CursorSchema.optional(),
});
export type ListEntitiesQuery = z.infer<typeof ListEntitiesQuerySchema>;

export type EntityPage<T> = Page<T>;

/**
 * Per-tenant flow-control limits (docs/fairness.md), each per engine or executor process: over
 * them, the tenant's work is deferred to a later lane, never dropped.
 */
export const FlowControlSettingsSchema = z.strictObject({
  /** Events of the tenant one engine holds at once. */
  max_events_in_flight: z.number().int().min(1).max(100_000).optional(),
  /** Events per second one engine admits of the tenant, sustained; 0 = no rate limit. */
  event_rate: z.number().finite().min(0).max(1_000_000).optional(),
  /** Events the tenant may send at once above its rate. */
  event_burst: z.number().int().min(1).max(1_000_000).optional(),
  /** Action commands of the tenant one executor holds at once. */
  max_commands_in_flight: z.number().int().min(1).max(100_000).optional(),
});
export type FlowControlSettings = z.infer<typeof FlowControlSettingsSchema>;

/** Per-tenant automation settings (`PUT /api/v1/automation/settings`). */
export const AutomationSettingsSchema = z.strictObject({
  /** An opportunity raises high_value_opportunity when its value reaches this from below. */
  high_value_threshold: z.number().finite().min(0).default(10_000),
  /** The tenant's own flow-control limits; what it leaves out comes from the configuration's TENANT_* defaults. */
  flow_control: FlowControlSettingsSchema.optional(),
});
export type AutomationSettings = z.infer<typeof AutomationSettingsSchema>;
export const DEFAULT_AUTOMATION_SETTINGS: AutomationSettings = { high_value_threshold: 10_000 };
