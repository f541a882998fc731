import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { actionCommandId, executionId, parseTenantId, type ActionCommand, type EventRecord, type Execution } from '@flowline/contracts';
import type { IncomingMessage } from '@flowline/messaging';
import { silentLogger } from '@flowline/observability';
import { openSqliteStores, type Stores } from '@flowline/storage';
import { ActionProcessor } from '../src/domain/action-processor.ts';
import { commandOf } from './commands.ts';

const tenant = parseTenantId('acme-corp');

/** An event whose one matched rule has these actions, recorded as the engine would; the commands carry its ids. */
async function recordMatched(stores: Stores, commands: ActionCommand[]): Promise<{ execution: Execution; commands: ActionCommand[] }> {
  const [eventId, ruleId] = [randomUUID(), randomUUID()];
  const own = commands.map((command, index) => ({
    ...command,
    id: actionCommandId(eventId, ruleId, index),
    action_index: index,
    event_id: eventId,
    rule_id: ruleId,
    execution_id: executionId(eventId, ruleId),
  })) as ActionCommand[];
  const now = new Date().toISOString();
  const execution: Execution = {
    id: executionId(eventId, ruleId), tenant_id: tenant, event_id: eventId, rule_id: ruleId, rule_name: 'alert', trigger_id: 'high_value_opportunity', correlation_id: 'c',
    outcome: 'matched', matched: true, conditions: [], notes: [], created_at: now, updated_at: now,
    actions: own.map((command) => ({ index: command.action_index, command_id: command.id, type: command.type, status: 'pending', parameters: command.parameters })),
  };
  const record: EventRecord = {
    id: eventId, tenant_id: tenant, type: 'high_value_opportunity', module_type: 'sales', source: 'test', time: now, received_at: now, correlation_id: 'c',
    causation_id: null, causation_depth: 0, data: {}, status: 'matched', rules: [{ rule_id: ruleId, rule_name: 'alert', outcome: 'matched' }],
  };
  await stores.events.recordProcessed([{ tenant, record, executions: [execution] }]);
  return { execution, commands: own };
}

const messageOf = (command: ActionCommand, deliveryCount = 1): IncomingMessage => ({
  routingKey: `action.${command.type}`,
  content: Buffer.from(JSON.stringify(command)),
  headers: {},
  messageId: command.id,
  deliveryCount,
});

describe('the action processor', () => {
  let stores: Stores | undefined;
  afterEach(async () => {
    await stores?.close();
  });

  it('when a notification and a task are processed without SMTP, then each result is written with its effect, not in a write of its own', async () => {
    stores = await openSqliteStores(':memory:');
    const separateWrites: unknown[] = [];
    const recordActionResults = stores.executions.recordActionResults.bind(stores.executions);
    stores.executions.recordActionResults = (batch) => {
      separateWrites.push(...batch);
      return recordActionResults(batch);
    };
    const { execution, commands } = await recordMatched(stores, [
      commandOf(tenant, 'send_notification', { recipient: 'lead@example.com', message: 'Big deal' }),
      commandOf(tenant, 'create_task', { title: 'Call the customer' }),
    ]);
    const processor = new ActionProcessor({ stores, logger: silentLogger() });

    await Promise.all(processor.processBatch(commands.map((command) => messageOf(command, 2))));

    expect(separateWrites).toEqual([]);
    const stored = await stores.executions.get(tenant, execution.id);
    expect(stored).toMatchObject({ status: 'succeeded', actions: [{ status: 'succeeded', deliveries: 2 }, { status: 'succeeded', deliveries: 2 }] });
    expect(await stores.notifications.get(tenant, commands[0]!.id)).toMatchObject({ recipient: 'lead@example.com', email_status: 'not_configured' });
  });
});
