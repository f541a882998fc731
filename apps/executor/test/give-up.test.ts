import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { actionCommandId, executionId, parseTenantId, type EventRecord, type Execution } from '@flowline/contracts';
import { actionRoutingKey, createMessageBus, HEADERS, type MessageBus } from '@flowline/messaging';
import { silentLogger } from '@flowline/observability';
import { openSqliteStores, type Stores } from '@flowline/storage';
import { deleteNamespace, uniqueNamespace } from '../../../test/support/harness.ts';
import { startExecutor } from '../src/start-executor.ts';
import { commandOf } from './commands.ts';
import { smtpServer } from './smtp-server.ts';

const amqpUrl = inject('amqpUrl');
const tenant = parseTenantId('acme-corp');
const retry = { maxAttempts: 2, retryDelay: { baseMs: 50, maxMs: 100 } };

describe('an action command the executor gives up on', () => {
  const cleanups: Array<() => Promise<unknown> | void> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function start(rcptReply: string): Promise<{ stores: Stores; bus: MessageBus }> {
    const namespace = uniqueNamespace('give-up');
    const smtp = await smtpServer(() => rcptReply);
    const stores = await openSqliteStores(':memory:');
    const bus = await createMessageBus({ amqpUrl, namespace, ...retry, logger: silentLogger() });
    const executor = await startExecutor({ stores, bus, logger: silentLogger(), smtp: { url: smtp.url, from: 'flowline@example.com' } });
    cleanups.push(
      () => void smtp.server.close(),
      () => stores.close(),
      () => deleteNamespace(amqpUrl, namespace, retry),
      () => bus.close(),
      () => executor.stop(),
    );
    return { stores, bus };
  }

  /** An event with one matched rule whose one action is this notification, recorded as the engine would. */
  async function recordMatched(stores: Stores): Promise<{ execution: Execution; command: ReturnType<typeof commandOf<'send_notification'>> }> {
    const [eventId, ruleId] = [randomUUID(), randomUUID()];
    const parameters = { recipient: 'lead@example.com', message: 'Big deal' };
    const command = {
      ...commandOf(tenant, 'send_notification', parameters),
      id: actionCommandId(eventId, ruleId, 0),
      event_id: eventId,
      rule_id: ruleId,
      execution_id: executionId(eventId, ruleId),
    };
    const now = new Date().toISOString();
    const execution: Execution = {
      id: command.execution_id, tenant_id: tenant, event_id: eventId, rule_id: ruleId, rule_name: 'alert', trigger_id: 'high_value_opportunity', correlation_id: 'c',
      outcome: 'matched', matched: true, conditions: [], notes: [], created_at: now, updated_at: now,
      actions: [{ index: 0, command_id: command.id, type: 'send_notification', status: 'pending', parameters }],
    };
    const record: EventRecord = {
      id: eventId, tenant_id: tenant, type: 'high_value_opportunity', module_type: 'sales', source: 'test', time: now, received_at: now, correlation_id: 'c',
      causation_id: null, causation_depth: 0, data: {}, status: 'matched', rules: [{ rule_id: ruleId, rule_name: 'alert', outcome: 'matched' }],
    };
    await stores.events.recordProcessed([{ tenant, record, executions: [execution] }]);
    return { execution, command };
  }

  const publish = (bus: MessageBus, command: { id: string; tenant_id: string; type: string }) =>
    bus.publish('action-command', { routingKey: actionRoutingKey(command.type), messageId: command.id, headers: { [HEADERS.tenantId]: command.tenant_id }, body: command });

  it('when the mail server keeps answering "try later" past the last attempt, then the action shows dead_lettered with the reason and attempt count', async () => {
    const { stores, bus } = await start('451 mailbox busy');
    const { execution, command } = await recordMatched(stores);

    await publish(bus, command);

    await expect.poll(async () => (await stores.executions.get(tenant, execution.id))?.status, { timeout: 10_000 }).toBe('failed');
    const action = (await stores.executions.get(tenant, execution.id))?.actions[0];
    expect(action).toMatchObject({ status: 'dead_lettered', deliveries: 2, error: expect.stringMatching(/^given up after 2 attempts: e-mail to lead@example.com could not be sent now/) });
    // The status is recorded just before the dead-letter copy is published.
    const deadLetters: unknown[] = [];
    await expect.poll(async () => deadLetters.push(...(await bus.takeDeadLetters('executor.actions', 10))), { timeout: 5000 }).toBe(1);
  });

  it('when the mail server refuses for good, then the action fails at once with the SMTP code and nothing is dead-lettered', async () => {
    const { stores, bus } = await start('550 no such user');
    const { execution, command } = await recordMatched(stores);

    await publish(bus, command);

    await expect.poll(async () => (await stores.executions.get(tenant, execution.id))?.status, { timeout: 10_000 }).toBe('failed');
    expect((await stores.executions.get(tenant, execution.id))?.actions[0]).toMatchObject({ status: 'failed', deliveries: 1, error: expect.stringContaining('SMTP 550') });
    expect(await bus.takeDeadLetters('executor.actions', 10)).toEqual([]);
  });
});
