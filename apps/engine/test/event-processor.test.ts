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
