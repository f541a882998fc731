import { randomUUID } from 'node:crypto';
import { MongoClient } from 'mongodb';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { actionCommandId, executionId, parseTenantId, type ActionCommand, type EventRecord, type Execution, type Rule } from '@flowline/contracts';
import { createMessageBus, HEADERS, PermanentMessageError, type IncomingMessage, type MessageBus } from '@flowline/messaging';
import { silentLogger } from '@flowline/observability';
import { catalogue } from '@flowline/rules';
import { openMongoStores, openSqliteStores, type Stores } from '@flowline/storage';
import { EventProcessor } from '../src/domain/event-processor.ts';

const tenant = parseTenantId('acme-corp');
const mongodbUrl = inject('mongodbUrl');
let stores: Stores;

function rule(): Rule {
  const now = new Date().toISOString();
  return {
    id: randomUUID(),
    tenant_id: tenant,
    name: 'alert',
    version: 1,
    description: '',
    module_type: 'sales',
    trigger_id: 'high_value_opportunity',
    conditions: [],
    actions: [{ type: 'send_notification', parameters: { recipient: 'a@example.com', message: 'Deal {{opportunity_id}}' } }],
    is_active: true,
    created_at: now,
    updated_at: now,
  };
}

function delivery(eventId: string, deliveryCount: number): IncomingMessage {
  const body = {
    id: eventId,
    tenant_id: tenant,
    type: 'high_value_opportunity',
    module_type: 'sales',
    source: 'test',
    time: new Date().toISOString(),
    data: { opportunity_id: 'o1', value: 20000 },
    correlation_id: eventId,
  };
  return { routingKey: 'sales.high_value_opportunity', content: Buffer.from(JSON.stringify(body)), headers: { [HEADERS.tenantId]: tenant }, messageId: eventId, deliveryCount };
}

const processorOn = (bus: MessageBus) => new EventProcessor({ stores, bus, catalogue, logger: silentLogger() });

/* The engine's record-keeping depends on the store's recordProcessed, so every case runs on both stores. */
describe.each(['SQLite', 'MongoDB'] as const)('on %s', (kind) => {
  /** MongoDB: a database of its own per test, dropped after it. */
  let database: string | undefined;
  beforeEach(async () => {
    database = kind === 'MongoDB' ? `flowline_engine_${randomUUID().replaceAll('-', '').slice(0, 12)}` : undefined;
    stores = database === undefined ? await openSqliteStores(':memory:') : await openMongoStores(mongodbUrl!, database);
  });
  afterEach(async () => {
    await stores.close();
    if (database === undefined) return;
    const client = await new MongoClient(mongodbUrl!).connect();
    await client.db(database).dropDatabase();
    await client.close();
  });

  describe('EventProcessor on a redelivery', () => {
    it('when a rule was switched off after the first delivery recorded its execution, then its pending command is still published', async () => {
      const alert = rule();
      await stores.rules.insert(tenant, alert);
      const eventId = randomUUID();

      // First delivery: the execution is recorded, then the broker cannot take the command.
      const down = await createMessageBus({ namespace: 'down' });
      await down.close();
      await expect(processorOn(down).process(delivery(eventId, 1))).rejects.toThrow();

      await stores.rules.replace(tenant, { ...alert, is_active: false, version: 2 }, 1);

      const bus = await createMessageBus({ namespace: 'up' });
      const commands: ActionCommand[] = [];
      await bus.subscribe('executor.actions', async (m) => {
        commands.push(JSON.parse(m.content.toString()));
      });
      await processorOn(bus).process(delivery(eventId, 2));
      await expect.poll(() => commands.length).toBe(1);
      expect(commands[0]).toMatchObject({ rule_id: alert.id, event_id: eventId, parameters: { message: 'Deal o1' } });
      await bus.close();
    });
  });

  describe('EventProcessor records', () => {
    const inboxOn = async (bus: MessageBus) => {
      const commands: ActionCommand[] = [];
      await bus.subscribe('executor.actions', async (m) => {
        commands.push(JSON.parse(m.content.toString()));
      });
      return commands;
    };

    it('when 20 rules are evaluated and one matches, then one event record holds all 20 outcomes and only the match has an execution', async () => {
      const rules = Array.from({ length: 20 }, (_, i) => ({ ...rule(), name: `rule ${i}`, conditions: [{ type: 'value_threshold' as const, value: i === 7 ? 100 : 50_000 }] }));
      for (const r of rules) await stores.rules.insert(tenant, r);
      const bus = await createMessageBus({ namespace: 'records' });
      const commands = await inboxOn(bus);
      const eventId = randomUUID();

      await processorOn(bus).process(delivery(eventId, 1));

      const record = await stores.events.get(tenant, eventId);
      expect(record).toMatchObject({ status: 'matched', data: { value: 20000 }, deliveries: 1 });
      expect(record?.rules).toHaveLength(20);
      expect(record?.rules.filter((r) => r.outcome === 'matched').map((r) => r.rule_name)).toEqual(['rule 7']);
      expect(record?.rules.find((r) => r.rule_name === 'rule 3')).toMatchObject({ outcome: 'not_matched', failed_condition: { type: 'value_threshold', field: 'value', expected: 50_000, actual: 20_000 } });
      expect((await stores.executions.forEvent(tenant, eventId)).map((e) => e.rule_name)).toEqual(['rule 7']);
      await expect.poll(() => commands.length).toBe(1);
      await bus.close();
    });

    it('when an event whose 600 matched rules were recorded is redelivered, then all 600 commands are published again', async () => {
      const rules = Array.from({ length: 600 }, () => rule());
      for (const r of rules) await stores.rules.insert(tenant, r);
      const eventId = randomUUID();
      const down = await createMessageBus({ namespace: 'down' });
      await down.close();
      await expect(processorOn(down).process(delivery(eventId, 1))).rejects.toThrow();
      for (const r of rules) await stores.rules.delete(tenant, r.id);

      const bus = await createMessageBus({ namespace: 'up' });
      const commands = await inboxOn(bus);
      await processorOn(bus).process(delivery(eventId, 2));

      await expect.poll(() => new Set(commands.map((c) => c.rule_id)).size).toBe(600);
      expect((await stores.events.get(tenant, eventId))?.deliveries).toBe(1);
      await bus.close();
    });

    it('when a redelivered event finds a recorded command that no longer passes the contract, then it fails permanently rather than being retried', async () => {
      const alert = rule();
      const eventId = randomUUID();
      const now = new Date().toISOString();
      const execution = {
        id: executionId(eventId, alert.id), tenant_id: tenant, event_id: eventId, rule_id: alert.id, rule_name: alert.name, trigger_id: 'high_value_opportunity',
        correlation_id: eventId, outcome: 'matched', matched: true, conditions: [], notes: [], created_at: now, updated_at: now,
        actions: [{ index: 0, command_id: actionCommandId(eventId, alert.id, 0), type: 'send_notification', status: 'pending', parameters: { message: 'no recipient' } }],
      } satisfies Execution;
      const record: EventRecord = {
        id: eventId, tenant_id: tenant, type: 'high_value_opportunity', module_type: 'sales', source: 'test', time: now, received_at: now, correlation_id: eventId,
        causation_id: null, causation_depth: 0, data: {}, status: 'matched', rules: [{ rule_id: alert.id, rule_name: alert.name, outcome: 'matched' }],
      };
      await stores.events.recordProcessed([{ tenant, record, executions: [execution] }]);
      const bus = await createMessageBus({ namespace: 'stale' });

      await expect(processorOn(bus).process(delivery(eventId, 2))).rejects.toBeInstanceOf(PermanentMessageError);
      await bus.close();
    });

    it('when a batch holds an invalid message between two events, then only the invalid one fails, permanently, and both events are recorded', async () => {
      await stores.rules.insert(tenant, rule());
      const bus = await createMessageBus({ namespace: 'batch' });
      const commands = await inboxOn(bus);
      const [first, second] = [randomUUID(), randomUUID()];
      const invalid: IncomingMessage = { ...delivery(randomUUID(), 1), content: Buffer.from('{"not":"an event"}') };

      const outcomes = await Promise.allSettled(processorOn(bus).processBatch([delivery(first, 1), invalid, delivery(second, 1)]));

      expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      expect((outcomes[1] as PromiseRejectedResult).reason).toBeInstanceOf(PermanentMessageError);
      expect(await stores.events.get(tenant, first)).not.toBeNull();
      expect(await stores.events.get(tenant, second)).not.toBeNull();
      await expect.poll(() => commands.length).toBe(2);
      await bus.close();
    });
  });

  describe('EventProcessor with a delayed action', () => {
    it('when the schedule could not be written on the first delivery, then the redelivery writes it with the first run_at and publishes nothing now', async () => {
      const later = { ...rule(), actions: [{ type: 'send_notification' as const, delay: 'PT1H', parameters: { recipient: 'a@example.com', message: 'Deal {{opportunity_id}}' } }] };
      await stores.rules.insert(tenant, later);
      const eventId = randomUUID();
      const bus = await createMessageBus({ namespace: 'delayed' });
      const commands: ActionCommand[] = [];
      await bus.subscribe('executor.actions', async (m) => {
        commands.push(JSON.parse(m.content.toString()));
      });
      const schedule = stores.schedule as { scheduleIfAbsent: unknown };
      schedule.scheduleIfAbsent = async () => {
        throw new Error('store unavailable');
      };
      await expect(processorOn(bus).process(delivery(eventId, 1))).rejects.toThrow('store unavailable');
      delete schedule.scheduleIfAbsent;
      const [execution] = await stores.executions.forEvent(tenant, eventId);
      expect(execution!.actions[0]).toMatchObject({ status: 'scheduled', run_at: expect.any(String) });

      await processorOn(bus).process(delivery(eventId, 2));
      const pending = await stores.schedule.listPending(tenant, { limit: 10 });
      expect(pending.items).toHaveLength(1);
      expect(pending.items[0]).toMatchObject({ id: execution!.actions[0]!.command_id, run_at: execution!.actions[0]!.run_at, run_if_rule_inactive: false });
      expect(Date.parse(pending.items[0]!.run_at) - Date.parse(execution!.created_at)).toBe(3_600_000);
      await new Promise((r) => setTimeout(r, 100));
      expect(commands).toEqual([]);
      await bus.close();
    });
  });
});
