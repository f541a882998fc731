import { randomUUID } from 'node:crypto';
import { parseTenantId, type Contact, type EventEnvelope } from '@flowline/contracts';
import { PublishError, type MessageBus, type OutgoingMessage } from '@flowline/messaging';
import { silentLogger } from '@flowline/observability';
import { openSqliteStores, type Stores } from '@flowline/storage';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OutboxRelay } from '../src/index.ts';
import { eventually } from '../../../test/support/harness.ts';

const tenant = parseTenantId('acme-corp');
const now = new Date().toISOString();
let stores: Stores;
let relay: OutboxRelay | undefined;

beforeEach(async () => {
  stores = await openSqliteStores(':memory:');
});
afterEach(async () => {
  await relay?.stop();
  await stores.close();
});

function queue(): Promise<EventEnvelope> {
  const contact: Contact = { id: randomUUID(), tenant_id: tenant, entity_type: 'contact', name: 'Ada', email: 'a@example.com', status: 'new', version: 1, created_at: now, updated_at: now };
  const event: EventEnvelope = {
    id: randomUUID(),
    tenant_id: tenant,
    type: 'contact_created',
    module_type: 'crm',
    source: 'test',
    time: now,
    data: { contact_id: contact.id },
    correlation_id: 'c-1',
    causation_id: null,
    causation_depth: 0,
  };
  return stores.entities.insert(tenant, contact, [event]).then(() => event);
}

/** A bus whose first `failures` publishes are refused, as when the broker does not confirm. */
function flakyBus(failures: number): { bus: MessageBus; confirmed: OutgoingMessage[] } {
  const confirmed: OutgoingMessage[] = [];
  let refused = 0;
  const bus = {
    async publish(publication: string, message: OutgoingMessage) {
      expect(publication).toBe('event');
      if (refused++ < failures) throw new PublishError('not confirmed');
      confirmed.push(message);
    },
  } as unknown as MessageBus;
  return { bus, confirmed };
}

describe('OutboxRelay', () => {
  it('when the broker refuses a publish, then the relay retries and the event is marked sent only once confirmed', async () => {
    const event = await queue();
    const { bus, confirmed } = flakyBus(2);
    relay = new OutboxRelay({ stores, bus, logger: silentLogger(), pollIntervalMs: 10 });
    relay.start();

    await eventually(async () => ((await stores.outbox.unsent(tenant)).length === 0 ? true : undefined));
    expect(confirmed).toHaveLength(1);
    expect(confirmed[0]).toMatchObject({ messageId: event.id, routingKey: 'crm.contact_created', headers: { 'x-tenant-id': 'acme-corp' }, body: event });
  });

  it('when poked after a write, then the relay publishes without waiting for its poll', async () => {
    const { bus, confirmed } = flakyBus(0);
    // A poll far longer than the test timeout: only the poke can get the event out in time.
    relay = new OutboxRelay({ stores, bus, logger: silentLogger(), pollIntervalMs: 600_000 });
    relay.start();
    await eventually(async () => ((await stores.outbox.unsent(tenant)).length === 0 ? true : undefined));
    const event = await queue();
    relay.poke();
    await eventually(async () => (confirmed.length === 1 ? true : undefined));
    expect(confirmed[0]!.messageId).toBe(event.id);
  });
});
