import { z } from 'zod';
import {
  AutomationSettingsSchema,
  ContactSchema,
  CreateEntityRequestSchemas,
  LeadSchema,
  ListEntitiesQuerySchema,
  OpportunitySchema,
  PatchEntityRequestSchemas,
  ConditionOutcomeSchema,
  CreateRuleRequestSchema,
  EventDetailSchema,
  EventRecordSchema,
  ExecutionSchema,
  RuleTestRequestSchema,
  ReplaceRuleRequestSchema,
  PatchRuleRequestSchema,
  RuleVersionSchema,
  AuditEntrySchema,
  RuleWarningSchema,
  IngestEventRequestSchema,
  ListEventsQuerySchema,
  ListExecutionsQuerySchema,
  ListQuerySchema,
  ListRulesQuerySchema,
  ListScheduledQuerySchema,
  ModuleTypeSchema,
  RotateWebhookSecretRequestSchema,
  ScheduledActionSchema,
  WebhookSecretCreatedSchema,
  WebhookSecretViewSchema,
  NotificationSchema,
  RuleSchema,
  TaskSchema,
  ToggleRuleQuerySchema,
} from '@flowline/contracts';
import type { RuleTemplate, RuleTestResult } from '@flowline/rules';
import { ARRAY_SHAPE_DEPRECATED_SINCE } from '../bounded-list.ts';
import { SCOPES, type Scope } from '../security/scopes.ts';
import { IdParams as EntityIdParamsSchema } from '../routes/entity-routes.ts';
import { EventIdParams as EventIdParamsSchema } from '../routes/events-routes.ts';
import { ListTriggersQuery as ListTriggersQuerySchema } from '../routes/catalogue-routes.ts';
import { RuleIdParams as RuleIdParamsSchema, RuleVersionParams as RuleVersionParamsSchema } from '../routes/rules-routes.ts';
import { CommandParams as CommandParamsSchema } from '../routes/scheduled-routes.ts';
import { FromTemplateRequest, ListTemplatesQuery } from '../routes/template-routes.ts';

/** One entry of the trigger catalogue as `GET /automation/triggers` lists it. */
export const TriggerSummarySchema = z.object({
  id: z.string(),
  module_type: ModuleTypeSchema,
  description: z.string(),
  required_data: z.array(z.string()),
  data: z
    .array(
      z.object({
        name: z.string(),
        type: z.enum(['string', 'number', 'boolean', 'array', 'id']).describe('`id`: a string or a number.'),
        required: z.boolean().describe('The event is refused without it.'),
        description: z.string(),
        example: z.unknown(),
      }),
    )
    .describe("Every field the module's events for this trigger carry: for conditions, placeholders and sample events."),
  sample_data: z.record(z.string(), z.unknown()).describe("Event data made of the fields' examples."),
  placeholders: z.array(z.string()).describe('What action parameters may name: the data fields plus tenant_id, event_id and trigger_id.'),
});

export const EventAcceptedSchema = z.object({ id: z.uuid() });

/** The RFC 9457 problem document every error response carries. */
export const ProblemSchema = z.object({
  type: z.string().describe('`urn:flowline:problem:<code>`'),
  title: z.string(),
  status: z.number().int(),
  detail: z.string(),
  instance: z.string().describe('The request path.'),
  code: z.string(),
  correlation_id: z.string().describe("Matches the log line's correlation_id."),
  errors: z.array(z.object({ path: z.string(), message: z.string() })).optional().describe('For 400: every problem with the input.'),
});

/** A system template as `GET /automation/templates` lists it; typed against the rules lib's interface. */
export const RuleTemplateSchema = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  module_type: ModuleTypeSchema,
  trigger_id: z.string(),
  parameters: z.array(
    z.object({ name: z.string(), description: z.string(), type: z.enum(['string', 'number', 'email']), default: z.union([z.string(), z.number()]).optional() }),
  ),
  rule: z.object({ name: z.string(), description: z.string(), conditions: z.array(z.unknown()), actions: z.array(z.unknown()) }),
}) satisfies z.ZodType<RuleTemplate>;

/** A rule as create and update answer: with the likely mistakes found in it, which never block a save. */
export const SavedRuleSchema = RuleSchema.extend({
  warnings: z.array(RuleWarningSchema).describe('A condition field the trigger never carries, an unknown placeholder, a value of the wrong type, conditions that cannot all hold.'),
});

export const RuleTestResultSchema = z.object({
  matched: z.boolean().describe('Whether the engine would run the actions for this event.'),
  trigger_matched: z.boolean().describe("False when the event's type is not the rule's trigger."),
  conditions: z.array(ConditionOutcomeSchema).describe('Each condition with the value it saw (`actual`) and whether it passed.'),
  actions: z.array(
    z.object({
      index: z.number().int(),
      type: z.string(),
      status: z.enum(['would_run', 'would_fail', 'not_run']),
      parameters: z.record(z.string(), z.unknown()).describe('As rendered for the sample event.'),
      missing_placeholders: z.array(z.string()),
      error: z.string().optional(),
    }),
  ),
  missing_placeholders: z.array(z.string()),
  warnings: z.array(RuleWarningSchema),
}) satisfies z.ZodType<RuleTestResult>;

const page = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item), next_cursor: z.string().optional().describe('Absent on the last page.') });

export const HealthSchema = z.object({ status: z.literal('ok') });
export const ReadinessSchema = z.object({ ready: z.boolean(), checks: z.record(z.string(), z.string()) });

/** Named schemas, shown under `components.schemas` and referenced from the operations. */
export const NAMED_SCHEMAS = {
  CreateRuleRequest: { schema: CreateRuleRequestSchema, io: 'input' },
  ReplaceRuleRequest: { schema: ReplaceRuleRequestSchema, io: 'input' },
  PatchRuleRequest: { schema: PatchRuleRequestSchema, io: 'input' },
  RuleVersion: { schema: RuleVersionSchema, io: 'output' },
  AuditPage: { schema: page(AuditEntrySchema), io: 'output' },
  Rule: { schema: RuleSchema, io: 'output' },
  SavedRule: { schema: SavedRuleSchema, io: 'output' },
  RuleTestRequest: { schema: RuleTestRequestSchema, io: 'input' },
  RuleTestResult: { schema: RuleTestResultSchema, io: 'output' },
  IngestEventRequest: { schema: IngestEventRequestSchema, io: 'input' },
  EventAccepted: { schema: EventAcceptedSchema, io: 'output' },
  Trigger: { schema: TriggerSummarySchema, io: 'output' },
  Execution: { schema: ExecutionSchema, io: 'output' },
  ExecutionPage: { schema: page(ExecutionSchema), io: 'output' },
  EventRecord: { schema: EventRecordSchema, io: 'output' },
  EventRecordPage: { schema: page(EventRecordSchema), io: 'output' },
  EventDetail: { schema: EventDetailSchema, io: 'output' },
  Notification: { schema: NotificationSchema, io: 'output' },
  NotificationPage: { schema: page(NotificationSchema), io: 'output' },
  Task: { schema: TaskSchema, io: 'output' },
  TaskPage: { schema: page(TaskSchema), io: 'output' },
  RulePage: { schema: page(RuleSchema), io: 'output' },
  RuleVersionPage: { schema: page(RuleVersionSchema), io: 'output' },
  Problem: { schema: ProblemSchema, io: 'output' },
  FromTemplateRequest: { schema: FromTemplateRequest, io: 'input' },
  RuleTemplate: { schema: RuleTemplateSchema, io: 'output' },
  AutomationSettings: { schema: AutomationSettingsSchema, io: 'output' },
  AutomationSettingsInput: { schema: AutomationSettingsSchema, io: 'input' },
  CreateContactRequest: { schema: CreateEntityRequestSchemas.contact, io: 'input' },
  PatchContactRequest: { schema: PatchEntityRequestSchemas.contact, io: 'input' },
  Contact: { schema: ContactSchema, io: 'output' },
  ContactPage: { schema: page(ContactSchema), io: 'output' },
  CreateLeadRequest: { schema: CreateEntityRequestSchemas.lead, io: 'input' },
  PatchLeadRequest: { schema: PatchEntityRequestSchemas.lead, io: 'input' },
  Lead: { schema: LeadSchema, io: 'output' },
  LeadPage: { schema: page(LeadSchema), io: 'output' },
  CreateOpportunityRequest: { schema: CreateEntityRequestSchemas.opportunity, io: 'input' },
  PatchOpportunityRequest: { schema: PatchEntityRequestSchemas.opportunity, io: 'input' },
  Opportunity: { schema: OpportunitySchema, io: 'output' },
  OpportunityPage: { schema: page(OpportunitySchema), io: 'output' },
  RotateWebhookSecretRequest: { schema: RotateWebhookSecretRequestSchema, io: 'input' },
  WebhookSecret: { schema: WebhookSecretViewSchema, io: 'output' },
  WebhookSecretCreated: { schema: WebhookSecretCreatedSchema, io: 'output' },
  ScheduledActionPage: { schema: page(ScheduledActionSchema), io: 'output' },
  Health: { schema: HealthSchema, io: 'output' },
  Readiness: { schema: ReadinessSchema, io: 'output' },
} as const satisfies Record<string, { schema: z.ZodType; io: 'input' | 'output' }>;
export type SchemaName = keyof typeof NAMED_SCHEMAS;

/**
 * A response body: a named schema, a list of one, or a page that `shape=array` answers as the
 * deprecated bare array of its items (the lists that answered arrays before pages).
 */
export type Body = SchemaName | { listOf: SchemaName } | { pageOf: SchemaName; orListOf: SchemaName };

export interface ApiOperation {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** OpenAPI path, `{param}` style. */
  path: string;
  operationId: string;
  summary: string;
  tag: string;
  /** Served without authentication (probes, the reference itself). */
  public?: boolean;
  /**
   * The scope the route declares (see route-access.ts); a GET under /api/v1 needs
   * `automation:read` unless it says otherwise. A test checks this against the routes' guards.
   */
  scope?: Scope;
  query?: z.ZodObject;
  params?: z.ZodObject;
  body?: SchemaName;
  /** @defaultValue application/json */
  bodyType?: string;
  success: {
    status: number;
    description: string;
    body?: Body;
    headers?: Record<string, string>;
    example?: unknown;
    /** What a client (or a stateful fuzzer) can call next with this response. */
    links?: Record<string, ApiLink>;
    /** Another success status with the same body (a create that may also replace). */
    also?: { status: number; description: string };
  };
  /** A request body to show in the reference; a test checks it against the body's schema. */
  example?: unknown;
  /** Error statuses this operation can answer besides the ones every /api/v1 operation can. */
  errors?: number[];
  /** What an error status means for this operation, where the general text would mislead. */
  errorText?: Partial<Record<number, string>>;
}

/** An OpenAPI link: what a client (or a stateful fuzzer) can call next with this response. */
export interface ApiLink {
  operationId: string;
  parameters: Record<string, string>;
  description?: string;
}

const RULE = '/api/v1/automation/rules/{rule_id}';

/** The scope an operation's route needs, or undefined for a public one. */
export function documentedScope(op: ApiOperation): Scope | undefined {
  if (op.public || !op.path.startsWith('/api/v1/')) return undefined;
  return op.scope ?? (op.method === 'get' ? SCOPES.read : undefined);
}
/* Examples shown in the reference; a test parses each with its operation's schema. */
const EXAMPLE_RULE_BODY = {
  name: 'High Value Deal Alert',
  description: 'Notify sales manager about deals over $10,000',
  module_type: 'sales',
  trigger_id: 'high_value_opportunity',
  conditions: [{ type: 'value_threshold', value: 10000 }],
  actions: [{ type: 'send_notification', parameters: { recipient: 'sales-manager@example.com', message: 'New high-value opportunity: {{opportunity_name}} - ${{value}}' } }],
};
const EXAMPLE_RULE = {
  id: '9b2f6c1e-3d4a-4b5c-8d6e-7f8091a2b3c4',
  tenant_id: 'acme-corp',
  ...EXAMPLE_RULE_BODY,
  is_active: true,
  version: 1,
  created_at: '2026-11-24T12:00:00.000Z',
  updated_at: '2026-11-24T12:00:00.000Z',
};
const EXAMPLE_EVENT = { type: 'high_value_opportunity', data: { opportunity_id: 'o1', opportunity_name: 'Big Deal', value: 25000 } };
const EXAMPLE_TEST_RESULT = {
  matched: false,
  trigger_matched: true,
  conditions: [{ index: 0, type: 'value_threshold', field: 'value', expected: 10000, actual: 5000, passed: false }],
  actions: [{ index: 0, type: 'send_notification', status: 'not_run', parameters: { recipient: 'sales-manager@example.com', message: 'New high-value opportunity: Small Deal - $5000' }, missing_placeholders: [] }],
  missing_placeholders: [],
  warnings: [],
};
const EXAMPLE_AUDIT_PAGE = {
  items: [
    {
      id: '0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b',
      tenant_id: 'acme-corp',
      created_at: '2026-11-24T12:05:00.000Z',
      actor: 'alice@acme.example',
      action: 'rule.updated',
      target_type: 'rule',
      target_id: EXAMPLE_RULE.id,
      target_name: 'High Value Deal Alert',
      version_before: 1,
      version_after: 2,
      changed_fields: ['conditions'],
    },
  ],
  next_cursor: 'WyIyMDI2LTExLTI0VDEyOjA1OjAwLjAwMFoiLCIwMTkzYTFiMiJd',
};
/** How the lists that answered bare arrays before pages document their deprecated `shape=array`. */
const ARRAY_SHAPE = ' Deprecated: with `shape=array`, the bare JSON array of the page’s items, as before pages (kept for one deprecation period; see docs/api.md).';
const ARRAY_SHAPE_HEADERS = {
  Deprecation: `With \`shape=array\` only: \`${ARRAY_SHAPE_DEPRECATED_SINCE}\` (RFC 9745), the array answer is deprecated since 2026-11-30.`,
  Link: 'With `shape=array` only: `</docs>; rel="deprecation"`, and `rel="next"` with the next page’s URL when there is one.',
  'X-Flowline-Truncated': 'With `shape=array` only: `<sent>/<read>` when items were left out to keep the body under 4 MiB.',
};
const STALE_RULE = { 409: 'The rule is no longer at the version sent in If-Match or `version`: someone changed it since. Read it again, reapply the change and resend.' };
const ETAG = { ETag: 'The rule\'s version, e.g. `"3"`: send it back in If-Match to change the rule only if nobody else has since.' };

/** From a response carrying a rule, to the operations on that rule. */
const RULE_LINKS: Record<string, ApiLink> = Object.fromEntries(
  (['getRule', 'replaceRule', 'patchRule', 'toggleRule', 'deleteRule'] as const).map((operationId) => [
    operationId,
    { operationId, parameters: { rule_id: '$response.body#/id' }, description: 'The rule in this response.' },
  ]),
);

/**
 * The HTTP contract: what each route takes and returns, by contract schema. The routes
 * parse with the same schemas, and a test checks that every route express registers is here.
 */
export const API_OPERATIONS: ApiOperation[] = [
  { method: 'get', path: '/health', operationId: 'health', summary: 'Liveness probe', tag: 'Operations', public: true, success: { status: 200, description: 'The process is up.', body: 'Health' } },
  { method: 'get', path: '/ready', operationId: 'ready', summary: 'Readiness probe (broker and store)', tag: 'Operations', public: true, success: { status: 200, description: 'Ready; 503 with the same body when not.', body: 'Readiness' }, errors: [503] },
  { method: 'get', path: '/api/v1/openapi.json', operationId: 'openapi', summary: 'This OpenAPI 3.1 document', tag: 'Operations', public: true, success: { status: 200, description: 'The document.' } },
  {
    method: 'get', path: '/api/v1/automation/triggers', operationId: 'listTriggers', summary: 'List the triggers the management modules offer', tag: 'Catalogue',
    query: ListTriggersQuerySchema, success: { status: 200, description: 'The triggers.', body: { listOf: 'Trigger' } },
  },
  {
    method: 'post', scope: SCOPES.write, path: '/api/v1/automation/rules', operationId: 'createRule', summary: 'Create a rule', tag: 'Rules',
    body: 'CreateRuleRequest', example: EXAMPLE_RULE_BODY,
    success: { status: 201, description: 'The stored rule, with warnings.', body: 'SavedRule', headers: { Location: 'The new rule’s URL.', ...ETAG }, example: { ...EXAMPLE_RULE, warnings: [] }, links: RULE_LINKS },
    errors: [409, 413, 415], errorText: { 409: 'The tenant holds as many rules as it may (MAX_RULES_PER_TENANT).' },
  },
  {
    method: 'get', path: '/api/v1/automation/rules', operationId: 'listRules', summary: "List the tenant's rules, newest first", tag: 'Rules',
    query: ListRulesQuerySchema, success: { status: 200, description: `A page of rules.${ARRAY_SHAPE}`, body: { pageOf: 'RulePage', orListOf: 'Rule' }, headers: ARRAY_SHAPE_HEADERS },
  },
  { method: 'get', path: RULE, operationId: 'getRule', summary: 'Get one rule', tag: 'Rules', params: RuleIdParamsSchema, success: { status: 200, description: 'The rule.', body: 'Rule', headers: ETAG, example: EXAMPLE_RULE }, errors: [404] },
  {
    method: 'put', scope: SCOPES.write, path: RULE, operationId: 'replaceRule', summary: 'Replace a rule (send back what GET returned, edited)', tag: 'Rules',
    params: RuleIdParamsSchema, body: 'ReplaceRuleRequest', example: { ...EXAMPLE_RULE, name: 'High Value Deal Alert (EMEA)' },
    success: { status: 200, description: 'The rule at its new version, with warnings.', body: 'SavedRule', headers: ETAG, example: { ...EXAMPLE_RULE, name: 'High Value Deal Alert (EMEA)', version: 2, warnings: [] } },
    errors: [404, 409, 413, 415], errorText: STALE_RULE,
  },
  {
    method: 'patch', scope: SCOPES.write, path: RULE, operationId: 'patchRule', summary: 'Change some fields of a rule (JSON merge patch)', tag: 'Rules',
    params: RuleIdParamsSchema, body: 'PatchRuleRequest', bodyType: 'application/merge-patch+json', example: { version: 1, conditions: [{ type: 'value_threshold', value: 50000 }] },
    success: { status: 200, description: 'The rule at its new version, with warnings.', body: 'SavedRule', headers: ETAG }, errors: [404, 409, 413, 415], errorText: STALE_RULE,
  },
  {
    method: 'get', path: `${RULE}/versions`, operationId: 'listRuleVersions', summary: "A rule's versions, newest first", tag: 'Rules',
    params: RuleIdParamsSchema, query: ListQuerySchema,
    success: { status: 200, description: `A page of immutable snapshots, one per change, with who made it and when.${ARRAY_SHAPE}`, body: { pageOf: 'RuleVersionPage', orListOf: 'RuleVersion' }, headers: ARRAY_SHAPE_HEADERS },
    errors: [404],
  },
  {
    method: 'get', path: `${RULE}/versions/{version}`, operationId: 'getRuleVersion', summary: 'One version of a rule', tag: 'Rules',
    params: RuleVersionParamsSchema, success: { status: 200, description: 'The snapshot.', body: 'RuleVersion' }, errors: [404],
  },
  {
    method: 'get', path: '/api/v1/audit', operationId: 'listAudit', summary: 'Changes to rules and settings, newest first', tag: 'Activity',
    query: ListEntitiesQuerySchema, success: { status: 200, description: 'A page of audit entries.', body: 'AuditPage', example: EXAMPLE_AUDIT_PAGE },
  },
  {
    method: 'post', scope: SCOPES.read, path: '/api/v1/automation/rules/test', operationId: 'testRule', summary: 'Test a draft or stored rule against a sample event (stores and publishes nothing)', tag: 'Rules',
    body: 'RuleTestRequest', example: { rule: EXAMPLE_RULE_BODY, event: { ...EXAMPLE_EVENT, data: { opportunity_id: 'o2', opportunity_name: 'Small Deal', value: 5000 } } },
    success: { status: 200, description: 'What the engine would do: each condition with the value it saw, the rendered actions, missing placeholders and warnings.', body: 'RuleTestResult', example: EXAMPLE_TEST_RESULT },
    errors: [404, 413, 415],
  },
  {
    method: 'put', scope: SCOPES.write, path: `${RULE}/toggle`, operationId: 'toggleRule', summary: 'Activate or deactivate a rule', tag: 'Rules',
    params: RuleIdParamsSchema, query: ToggleRuleQuerySchema, success: { status: 200, description: 'The rule at its new version.', body: 'Rule', headers: ETAG }, errors: [404, 409], errorText: STALE_RULE,
  },
  { method: 'delete', scope: SCOPES.write, path: RULE, operationId: 'deleteRule', summary: 'Delete a rule', tag: 'Rules', params: RuleIdParamsSchema, success: { status: 204, description: 'Deleted.' }, errors: [404] },
  {
    method: 'get', path: '/api/v1/automation/executions', operationId: 'listExecutions', summary: 'Runs of matched (or loop-guarded) rules, a page at a time, newest first', tag: 'Activity',
    query: ListExecutionsQuerySchema, success: { status: 200, description: 'The page.', body: 'ExecutionPage' },
  },
  {
    method: 'get', path: '/api/v1/notifications', operationId: 'listNotifications', summary: 'Notifications the automations sent, a page at a time, newest first', tag: 'Activity',
    query: ListQuerySchema, success: { status: 200, description: `A page of notifications.${ARRAY_SHAPE}`, body: { pageOf: 'NotificationPage', orListOf: 'Notification' }, headers: ARRAY_SHAPE_HEADERS },
  },
  {
    method: 'get', path: '/api/v1/tasks', operationId: 'listTasks', summary: 'Tasks the automations created, a page at a time, newest first', tag: 'Activity',
    query: ListQuerySchema, success: { status: 200, description: `A page of tasks.${ARRAY_SHAPE}`, body: { pageOf: 'TaskPage', orListOf: 'Task' }, headers: ARRAY_SHAPE_HEADERS },
  },
  {
    method: 'get', path: '/api/v1/automation/templates', operationId: 'listTemplates', summary: 'List the system rule templates', tag: 'Rules',
    query: ListTemplatesQuery, success: { status: 200, description: 'The templates.', body: { listOf: 'RuleTemplate' } },
  },
  {
    method: 'post', scope: SCOPES.write, path: '/api/v1/automation/rules/from-template', operationId: 'createRuleFromTemplate', summary: 'Create a rule from a system template', tag: 'Rules',
    body: 'FromTemplateRequest', example: { template_id: 'high_value_deal_alert', parameters: { recipient: 'sales-manager@example.com', threshold: 25000 } },
    success: { status: 201, description: 'The stored rule, with warnings.', body: 'SavedRule', headers: { Location: 'The new rule’s URL.' }, links: RULE_LINKS }, errors: [409, 413, 415],
  },
  { method: 'get', path: '/api/v1/automation/settings', operationId: 'getSettings', summary: "The tenant's automation settings", tag: 'Settings', success: { status: 200, description: 'The settings.', body: 'AutomationSettings' } },
  { method: 'put', scope: SCOPES.write, path: '/api/v1/automation/settings', operationId: 'putSettings', summary: "Replace the tenant's automation settings", tag: 'Settings', body: 'AutomationSettingsInput', example: { high_value_threshold: 25000 }, success: { status: 200, description: 'The stored settings.', body: 'AutomationSettings' }, errors: [413, 415] },
  {
    method: 'get', path: '/api/v1/automation/settings/webhook-secret', operationId: 'getWebhookSecret', summary: "The tenant's webhook signing secret (a hint of it only)", tag: 'Settings',
    success: { status: 200, description: 'Hints of the current secret and, during its grace period, the previous one.', body: 'WebhookSecret' }, errors: [404],
  },
  {
    method: 'post', scope: SCOPES.write, path: '/api/v1/automation/settings/webhook-secret', operationId: 'rotateWebhookSecret', summary: 'Create or rotate the webhook signing secret (the only answer that shows it whole)', tag: 'Settings',
    body: 'RotateWebhookSecretRequest', success: { status: 201, description: 'The new secret.', body: 'WebhookSecretCreated', also: { status: 200, description: 'The new secret, which replaced one.' } }, errors: [413, 415],
  },
  {
    method: 'get', path: '/api/v1/scheduled', operationId: 'listScheduled', summary: 'Pending scheduled actions, soonest first', tag: 'Activity',
    query: ListScheduledQuerySchema, success: { status: 200, description: 'A page of them.', body: 'ScheduledActionPage' },
  },
  {
    method: 'delete', scope: SCOPES.write, path: '/api/v1/scheduled/{command_id}', operationId: 'cancelScheduled', summary: 'Cancel a pending scheduled action', tag: 'Activity',
    params: CommandParamsSchema, success: { status: 204, description: 'Cancelled.' }, errors: [404, 409],
  },
  ...entityOperations({ type: 'contact', plural: 'contacts', path: '/api/v1/crm/contacts', name: 'Contact', example: { name: 'Ada Lovelace', email: 'ada@example.com' }, change: { version: 1, status: 'customer' } }),
  ...entityOperations({ type: 'lead', plural: 'leads', path: '/api/v1/crm/leads', name: 'Lead', example: { name: 'Website visitor', source: 'website' }, change: { version: 1, status: 'qualified' } }),
  ...entityOperations({
    type: 'opportunity', plural: 'opportunities', path: '/api/v1/sales/opportunities', name: 'Opportunity',
    example: { name: 'Big Deal', value: 25000, owner: 'sam@example.com' }, change: { version: 1, stage: 'negotiation' },
  }),
  {
    method: 'post', scope: SCOPES.publish, path: '/api/v1/events', operationId: 'publishEvent', summary: 'Publish a business event (202 once the broker holds it)', tag: 'Events',
    body: 'IngestEventRequest', example: EXAMPLE_EVENT, success: { status: 202, description: 'Accepted by the broker.', body: 'EventAccepted', example: { id: '0b7c4a8e-5d2f-4c1a-9e3b-7f6d5c4b3a21' } }, errors: [413, 415, 503],
  },
  {
    method: 'get', path: '/api/v1/events', operationId: 'listEvents', summary: 'The event log: consumed events with every rule’s outcome, a page at a time, newest first', tag: 'Events',
    query: ListEventsQuerySchema, success: { status: 200, description: 'The page.', body: 'EventRecordPage' },
  },
  {
    method: 'get', path: '/api/v1/events/{event_id}', operationId: 'getEvent', summary: 'One consumed event, its rules’ outcomes and the executions it caused', tag: 'Events',
    params: EventIdParamsSchema, success: { status: 200, description: 'The event.', body: 'EventDetail' }, errors: [404],
  },
];

interface EntityOperationsOf {
  type: string;
  plural: string;
  path: string;
  name: 'Contact' | 'Lead' | 'Opportunity';
  example: Record<string, unknown>;
  change: Record<string, unknown>;
}

function entityOperations({ type, plural, path, name, example, change }: EntityOperationsOf): ApiOperation[] {
  const tag = 'Entities';
  const one = `${path}/{id}`;
  const entityLinks: Record<string, ApiLink> = {
    [`get${name}`]: { operationId: `get${name}`, parameters: { id: '$response.body#/id' }, description: `The ${type} in this response.` },
    [`patch${name}`]: { operationId: `patch${name}`, parameters: { id: '$response.body#/id' }, description: `The ${type} in this response (send its version).` },
  };
  const a = /^[aeiou]/.test(type) ? 'an' : 'a';
  return [
    {
      method: 'post', scope: SCOPES.publish, path, operationId: `create${name}`, summary: `Create ${a} ${type} (raises its triggers)`, tag, body: `Create${name}Request`, example,
      success: { status: 201, description: `The stored ${type}, version 1.`, body: name, headers: { Location: 'Its URL.' }, links: entityLinks }, errors: [413, 415],
    },
    { method: 'get', path, operationId: `list${name}s`, summary: `A page of ${plural}, newest first`, tag, query: ListEntitiesQuerySchema, success: { status: 200, description: 'The page.', body: `${name}Page` } },
    { method: 'get', path: one, operationId: `get${name}`, summary: `One ${type}`, tag, params: EntityIdParamsSchema, success: { status: 200, description: `The ${type}.`, body: name }, errors: [404] },
    {
      method: 'patch', scope: SCOPES.publish, path: one, operationId: `patch${name}`, summary: `Change ${a} ${type} at a known version (raises its triggers)`, tag, params: EntityIdParamsSchema, body: `Patch${name}Request`, example: change,
      success: { status: 200, description: `The updated ${type}.`, body: name }, errors: [404, 409, 413, 415],
      errorText: { 409: `The ${type} is no longer at the \`version\` sent: someone changed it since. Read it again and resend.` },
    },
  ];
}
