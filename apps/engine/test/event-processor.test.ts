import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseTenantId, type ActionCommand, type Rule } from '@flowline/contracts';
import { createMessageBus, HEADERS, type IncomingMessage, type MessageBus } from '@flowline/messaging';
import { silentLogger } from '@flowline/observability';
import { catalogue } from '@flowline/rules';
import { openSqliteStores, type Stores } from '@flowline/storage';
import { EventProcessor } from '../src/domain/event-processor.ts';

const tenant = parseTenantId('acme-corp');
let stores: Stores;

beforeEach(async () => {
  stores = await openSqliteStores(':memory:');
});
afterEach(() => stores.close());

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
    const [execution] = await stores.executions.list(tenant, { event_id: eventId, limit: 5 });
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
