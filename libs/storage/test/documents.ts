import { randomUUID } from 'node:crypto';
import {
  ContactSchema,
  EventEnvelopeSchema,
  OpportunitySchema,
  type Contact,
  type EventEnvelope,
  type Opportunity,
  EventRecordSchema,
  ExecutionSchema,
  NotificationSchema,
  type EventRecord,
  RuleSchema,
  TaskSchema,
  type Execution,
  type Notification,
  type Rule,
  type Task,
  type TenantId,
} from '@flowline/contracts';

/*
 * Factories for test documents. Each parses its result with the contract's schema, so a test
 * can never pass by storing something the real services would not produce.
 */

/** A fixed instant plus `seconds`, so that tests choose the order documents were created in. */
export function at(seconds: number): string {
  return new Date(Date.UTC(2025, 0, 1, 12, 0, 0) + seconds * 1000).toISOString();
}

export function makeRule(tenant: TenantId, overrides: Partial<Rule> = {}): Rule {
  return RuleSchema.parse({
    id: randomUUID(),
    tenant_id: tenant,
    name: 'Large opportunity alert',
    description: 'Tells the sales lead about large opportunities',
    module_type: 'sales',
    trigger_id: 'opportunity_created',
    conditions: [{ type: 'value_threshold', value: 10_000 }],
    actions: [{ type: 'send_notification', parameters: { recipient: 'lead@example.com', message: 'New deal {{name}}' } }],
    is_active: true,
    version: 1,
    created_at: at(0),
    updated_at: at(0),
    ...overrides,
  });
}

export function makeExecution(tenant: TenantId, overrides: Partial<Execution> = {}, actionCount = 2): Execution {
  return ExecutionSchema.parse({
    id: randomUUID(),
    tenant_id: tenant,
    event_id: randomUUID(),
    rule_id: randomUUID(),
    rule_name: 'Large opportunity alert',
    trigger_id: 'opportunity_created',
    correlation_id: randomUUID(),
    outcome: 'matched',
    matched: true,
    conditions: [{ index: 0, type: 'value_threshold', field: 'value', expected: 10_000, actual: 25_000, passed: true }],
    actions: Array.from({ length: actionCount }, (_, index) => ({
      index,
      command_id: randomUUID(),
      type: 'send_notification',
      status: 'pending',
      parameters: { recipient: 'lead@example.com', message: `Action ${index}` },
    })),
    notes: [],
    created_at: at(0),
    updated_at: at(0),
    ...overrides,
  });
}

function provenance(tenant: TenantId) {
  return { id: randomUUID(), tenant_id: tenant, rule_id: randomUUID(), event_id: randomUUID(), execution_id: randomUUID(), created_at: at(0) };
}

export function makeNotification(tenant: TenantId, overrides: Partial<Notification> = {}): Notification {
  return NotificationSchema.parse({
    ...provenance(tenant),
    recipient: 'lead@example.com',
    subject: 'New deal',
    message: 'A large opportunity was created',
    email_status: 'pending',
    ...overrides,
  });
}

export function makeTask(tenant: TenantId, overrides: Partial<Task> = {}): Task {
  return TaskSchema.parse({
    ...provenance(tenant),
    title: 'Call the customer',
    description: 'Within a day',
    assignee: 'lead@example.com',
    status: 'open',
    ...overrides,
  });
}

export function makeContact(tenant: TenantId, overrides: Partial<Contact> = {}): Contact {
  return ContactSchema.parse({
    id: randomUUID(),
    tenant_id: tenant,
    entity_type: 'contact',
    name: 'Ada Lovelace',
    email: 'ada@example.com',
    status: 'new',
    version: 1,
    created_at: at(0),
    updated_at: at(0),
    ...overrides,
  });
}

export function makeOpportunity(tenant: TenantId, overrides: Partial<Opportunity> = {}): Opportunity {
  return OpportunitySchema.parse({
    id: randomUUID(),
    tenant_id: tenant,
    entity_type: 'opportunity',
    name: 'Big deal',
    value: 25_000,
    currency: 'USD',
    stage: 'prospecting',
    owner: 'rep@example.com',
    version: 1,
    created_at: at(0),
    updated_at: at(0),
    ...overrides,
  });
}

export function makeEvent(tenant: TenantId, overrides: Partial<EventEnvelope> = {}): EventEnvelope {
  const id = randomUUID();
  return EventEnvelopeSchema.parse({
    id,
    tenant_id: tenant,
    type: 'contact_updated',
    module_type: 'crm',
    source: 'crm',
    time: at(0),
    data: { contact_id: 'c-1' },
    correlation_id: id,
    ...overrides,
  });
}

/** An event record with no rules evaluated; `executions` (if any) set its id on them. */
export function makeEventRecord(tenant: TenantId, overrides: Partial<EventRecord> = {}): EventRecord {
  const id = randomUUID();
  return EventRecordSchema.parse({
    id,
    tenant_id: tenant,
    type: 'opportunity_created',
    module_type: 'sales',
    source: 'crm',
    time: at(0),
    received_at: at(0),
    correlation_id: id,
    causation_id: null,
    causation_depth: 0,
    data: { value: 25_000 },
    status: 'no_rules',
    rules: [],
    ...overrides,
  });
}

/** Records `execution` as the engine would: with its event's record, in the event log. */
export async function recordExecution(stores: { events: { recordProcessed(batch: Array<{ tenant: TenantId; record: EventRecord; executions: Execution[] }>): Promise<unknown> } }, tenant: TenantId, execution: Execution): Promise<void> {
  const record = makeEventRecord(tenant, { id: execution.event_id, status: 'matched', received_at: execution.created_at });
  await stores.events.recordProcessed([{ tenant, record, executions: [execution] }]);
}
