import { z } from 'zod';
import {
  AutomationSettingsSchema,
  ContactSchema,
  CreateEntityRequestSchemas,
  LeadSchema,
  ListEntitiesQuerySchema,
  OpportunitySchema,
  PatchEntityRequestSchemas,
  CreateRuleRequestSchema,
  ExecutionSchema,
  IngestEventRequestSchema,
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
  UpdateRuleRequestSchema,
} from '@flowline/contracts';
import type { RuleTemplate } from '@flowline/rules';
import { IdParams as EntityIdParamsSchema } from '../routes/entity-routes.ts';
import { ListTriggersQuery as ListTriggersQuerySchema } from '../routes/catalogue-routes.ts';
import { RuleIdParams as RuleIdParamsSchema } from '../routes/rules-routes.ts';
import { CommandParams as CommandParamsSchema } from '../routes/scheduled-routes.ts';
import { FromTemplateRequest, ListTemplatesQuery } from '../routes/template-routes.ts';

/** One entry of the trigger catalogue as `GET /automation/triggers` lists it. */
export const TriggerSummarySchema = z.object({
  id: z.string(),
  module_type: ModuleTypeSchema,
  description: z.string(),
  required_data: z.array(z.string()),
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

const page = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item), next_cursor: z.string().optional().describe('Absent on the last page.') });

export const HealthSchema = z.object({ status: z.literal('ok') });
export const ReadinessSchema = z.object({ ready: z.boolean(), checks: z.record(z.string(), z.string()) });

/** Named schemas, shown under `components.schemas` and referenced from the operations. */
export const NAMED_SCHEMAS = {
  CreateRuleRequest: { schema: CreateRuleRequestSchema, io: 'input' },
  UpdateRuleRequest: { schema: UpdateRuleRequestSchema, io: 'input' },
  Rule: { schema: RuleSchema, io: 'output' },
  IngestEventRequest: { schema: IngestEventRequestSchema, io: 'input' },
  EventAccepted: { schema: EventAcceptedSchema, io: 'output' },
  Trigger: { schema: TriggerSummarySchema, io: 'output' },
  Execution: { schema: ExecutionSchema, io: 'output' },
  Notification: { schema: NotificationSchema, io: 'output' },
  Task: { schema: TaskSchema, io: 'output' },
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

/** A response body: a named schema, or a list of one. */
export type Body = SchemaName | { listOf: SchemaName };

export interface ApiOperation {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** OpenAPI path, `{param}` style. */
  path: string;
  operationId: string;
  summary: string;
  tag: string;
  /** Served without authentication (probes, the reference itself). */
  public?: boolean;
  query?: z.ZodObject;
  params?: z.ZodObject;
  body?: SchemaName;
  success: { status: number; description: string; body?: Body; headers?: Record<string, string> };
  /** Error statuses this operation can answer besides the ones every /api/v1 operation can. */
  errors?: number[];
}

const RULE = '/api/v1/automation/rules/{rule_id}';

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
    method: 'post', path: '/api/v1/automation/rules', operationId: 'createRule', summary: 'Create a rule', tag: 'Rules',
    body: 'CreateRuleRequest', success: { status: 201, description: 'The stored rule.', body: 'Rule', headers: { Location: 'The new rule’s URL.' } }, errors: [409, 413, 415],
  },
  {
    method: 'get', path: '/api/v1/automation/rules', operationId: 'listRules', summary: "List the tenant's rules, newest first", tag: 'Rules',
    query: ListRulesQuerySchema, success: { status: 200, description: 'The rules.', body: { listOf: 'Rule' } },
  },
  { method: 'get', path: RULE, operationId: 'getRule', summary: 'Get one rule', tag: 'Rules', params: RuleIdParamsSchema, success: { status: 200, description: 'The rule.', body: 'Rule' }, errors: [404] },
  {
    method: 'put', path: RULE, operationId: 'updateRule', summary: "Change a rule's editable fields", tag: 'Rules',
    params: RuleIdParamsSchema, body: 'UpdateRuleRequest', success: { status: 200, description: 'The updated rule.', body: 'Rule' }, errors: [404, 413, 415],
  },
  {
    method: 'put', path: `${RULE}/toggle`, operationId: 'toggleRule', summary: 'Activate or deactivate a rule', tag: 'Rules',
    params: RuleIdParamsSchema, query: ToggleRuleQuerySchema, success: { status: 200, description: 'The updated rule.', body: 'Rule' }, errors: [404],
  },
  { method: 'delete', path: RULE, operationId: 'deleteRule', summary: 'Delete a rule', tag: 'Rules', params: RuleIdParamsSchema, success: { status: 204, description: 'Deleted.' }, errors: [404] },
  {
    method: 'get', path: '/api/v1/automation/executions', operationId: 'listExecutions', summary: 'Rule evaluations, newest first', tag: 'Activity',
    query: ListExecutionsQuerySchema, success: { status: 200, description: 'The executions.', body: { listOf: 'Execution' } },
  },
  { method: 'get', path: '/api/v1/notifications', operationId: 'listNotifications', summary: 'Notifications the automations sent, newest first', tag: 'Activity', query: ListQuerySchema, success: { status: 200, description: 'The notifications.', body: { listOf: 'Notification' } } },
  { method: 'get', path: '/api/v1/tasks', operationId: 'listTasks', summary: 'Tasks the automations created, newest first', tag: 'Activity', query: ListQuerySchema, success: { status: 200, description: 'The tasks.', body: { listOf: 'Task' } } },
  {
    method: 'get', path: '/api/v1/automation/templates', operationId: 'listTemplates', summary: 'List the system rule templates', tag: 'Rules',
    query: ListTemplatesQuery, success: { status: 200, description: 'The templates.', body: { listOf: 'RuleTemplate' } },
  },
  {
    method: 'post', path: '/api/v1/automation/rules/from-template', operationId: 'createRuleFromTemplate', summary: 'Create a rule from a system template', tag: 'Rules',
    body: 'FromTemplateRequest', success: { status: 201, description: 'The stored rule.', body: 'Rule', headers: { Location: 'The new rule’s URL.' } }, errors: [409, 413, 415],
  },
  { method: 'get', path: '/api/v1/automation/settings', operationId: 'getSettings', summary: "The tenant's automation settings", tag: 'Settings', success: { status: 200, description: 'The settings.', body: 'AutomationSettings' } },
  { method: 'put', path: '/api/v1/automation/settings', operationId: 'putSettings', summary: "Replace the tenant's automation settings", tag: 'Settings', body: 'AutomationSettingsInput', success: { status: 200, description: 'The stored settings.', body: 'AutomationSettings' }, errors: [413, 415] },
  {
    method: 'get', path: '/api/v1/automation/settings/webhook-secret', operationId: 'getWebhookSecret', summary: "The tenant's webhook signing secret (a hint of it only)", tag: 'Settings',
    success: { status: 200, description: 'Hints of the current secret and, during its grace period, the previous one.', body: 'WebhookSecret' }, errors: [404],
  },
  {
    method: 'post', path: '/api/v1/automation/settings/webhook-secret', operationId: 'rotateWebhookSecret', summary: 'Create or rotate the webhook signing secret (the only answer that shows it whole)', tag: 'Settings',
    body: 'RotateWebhookSecretRequest', success: { status: 201, description: 'The new secret (200 when it replaced one).', body: 'WebhookSecretCreated' }, errors: [413, 415],
  },
  {
    method: 'get', path: '/api/v1/scheduled', operationId: 'listScheduled', summary: 'Pending scheduled actions, soonest first', tag: 'Activity',
    query: ListScheduledQuerySchema, success: { status: 200, description: 'A page of them.', body: 'ScheduledActionPage' },
  },
  {
    method: 'delete', path: '/api/v1/scheduled/{command_id}', operationId: 'cancelScheduled', summary: 'Cancel a pending scheduled action', tag: 'Activity',
    params: CommandParamsSchema, success: { status: 204, description: 'Cancelled.' }, errors: [404, 409],
  },
  ...entityOperations('contact', '/api/v1/crm/contacts', 'Contact'),
  ...entityOperations('lead', '/api/v1/crm/leads', 'Lead'),
  ...entityOperations('opportunity', '/api/v1/sales/opportunities', 'Opportunity'),
  {
    method: 'post', path: '/api/v1/events', operationId: 'publishEvent', summary: 'Publish a business event (202 once the broker holds it)', tag: 'Events',
    body: 'IngestEventRequest', success: { status: 202, description: 'Accepted by the broker.', body: 'EventAccepted' }, errors: [413, 415, 503],
  },
];

function entityOperations(type: string, path: string, name: 'Contact' | 'Lead' | 'Opportunity'): ApiOperation[] {
  const tag = 'Entities';
  const one = `${path}/{id}`;
  return [
    { method: 'post', path, operationId: `create${name}`, summary: `Create a ${type} (raises its triggers)`, tag, body: `Create${name}Request`, success: { status: 201, description: `The stored ${type}, version 1.`, body: name, headers: { Location: 'Its URL.' } }, errors: [413, 415] },
    { method: 'get', path, operationId: `list${name}s`, summary: `A page of ${type}s, newest first`, tag, query: ListEntitiesQuerySchema, success: { status: 200, description: 'The page.', body: `${name}Page` } },
    { method: 'get', path: one, operationId: `get${name}`, summary: `One ${type}`, tag, params: EntityIdParamsSchema, success: { status: 200, description: `The ${type}.`, body: name }, errors: [404] },
    {
      method: 'patch', path: one, operationId: `patch${name}`, summary: `Change a ${type} at a known version (raises its triggers)`, tag, params: EntityIdParamsSchema, body: `Patch${name}Request`,
      success: { status: 200, description: `The updated ${type}.`, body: name }, errors: [404, 409, 413, 415],
    },
  ];
}
