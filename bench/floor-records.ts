/*
 * The records issue 11 requires for each bench event, shaped and sized like Flowline's own (an event record with one
 * outcome per rule, one execution, one notification, one action result), for the baseline's `--floor` mode: the
 * baseline relay and sink write them through Flowline's SQLite stores, and do nothing else Flowline does. What that
 * pipeline reaches is what any implementation that keeps these records can reach on the machine.
 */
import { createHash } from 'node:crypto';
import type { ActionResultRecord, EventRecord, Execution, Notification, TenantId } from '@flowline/contracts';
import type { ProcessedEvent } from '@flowline/storage';

/** A stable UUID-shaped id: the floor needs ids of Flowline's length, not Flowline's derivations. */
function idOf(...parts: string[]): string {
  const hex = createHash('sha1').update(parts.join('\u0000')).digest('hex');
  // Version 5 and the RFC variant, like the ids Flowline derives.
  const variant = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

interface BenchEventBody {
  id: string;
  tenant_id: string;
  type: string;
  module_type: string;
  source: string;
  time: string;
  correlation_id: string;
  data: Record<string, unknown>;
}

/** What the engine records for one event: the event record (one outcome per rule) and the execution of the rule that matched. */
export function floorProcessedEvent(body: BenchEventBody, rules: number, receivedAt: string): { processed: ProcessedEvent; commandId: string; executionId: string } {
  const matchedRule = idOf(body.tenant_id, 'rule', '0');
  const executionId = idOf(body.id, matchedRule);
  const commandId = idOf(executionId, '0');
  const outcomes = Array.from({ length: rules }, (_, index) =>
    index === 0
      ? { rule_id: matchedRule, rule_name: 'bench rule 0', outcome: 'matched' }
      : {
          rule_id: idOf(body.tenant_id, 'rule', String(index)),
          rule_name: `bench rule ${index}`,
          outcome: 'not_matched',
          failed_condition: { index: 1, type: 'in', field: 'region', expected: ['apac', `zone-${index}`], actual: 'emea' },
        },
  );
  const record = {
    id: body.id,
    tenant_id: body.tenant_id,
    type: body.type,
    module_type: body.module_type,
    source: body.source,
    time: body.time,
    received_at: receivedAt,
    correlation_id: body.correlation_id,
    causation_id: null,
    causation_depth: 0,
    data: body.data,
    status: 'matched',
    rules: outcomes,
  } as unknown as EventRecord;
  const message = `Rule 0: ${String(body.data['opportunity_name'])} is worth $${String(body.data['value'])} (${body.tenant_id})`;
  const execution = {
    id: executionId,
    tenant_id: body.tenant_id,
    event_id: body.id,
    rule_id: matchedRule,
    rule_name: 'bench rule 0',
    rule_version: 1,
    trigger_id: body.type,
    correlation_id: body.correlation_id,
    created_at: receivedAt,
    updated_at: receivedAt,
    outcome: 'matched',
    matched: true,
    conditions: [
      { index: 0, type: 'value_threshold', field: 'value', expected: 10000, actual: body.data['value'], passed: true },
      { index: 1, type: 'equals', field: 'region', expected: 'emea', actual: 'emea', passed: true },
      { index: 2, type: 'exists', field: 'owner.email', expected: true, actual: 'owner@example.com', passed: true },
    ],
    actions: [{ index: 0, command_id: commandId, type: 'send_notification', status: 'pending', parameters: { recipient: 'owner@example.com', message } }],
    notes: [],
    deliveries: 1,
  } as unknown as Execution;
  return { processed: { tenant: body.tenant_id as TenantId, record, executions: [execution] }, commandId, executionId };
}

/** What the executor records for one command: the notification it sends and the action's result. */
export function floorActionRecords(command: { tenant: TenantId; eventId: string; commandId: string; executionId: string }, completedAt: string) {
  const notification = {
    id: command.commandId,
    tenant_id: command.tenant,
    rule_id: idOf(command.tenant, 'rule', '0'),
    event_id: command.eventId,
    execution_id: command.executionId,
    created_at: completedAt,
    recipient: 'owner@example.com',
    message: `Rule 0: an opportunity of ${command.tenant} is worth more than $10000`,
    email_status: 'not_configured',
  } as unknown as Notification;
  const result: ActionResultRecord = { status: 'succeeded', completed_at: completedAt, deliveries: 1, command_id: command.commandId, execution_id: command.executionId, action_index: 0 };
  return { notification, result };
}
