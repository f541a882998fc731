import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { createMessageBus, DeadLetterAdmin, defineTopology, deleteTopology, PermanentMessageError } from '@flowline/messaging';
import { waitFor } from './support/wait-for.ts';

const amqpUrl = inject('amqpUrl');
const namespace = `test-dla-${randomUUID().slice(0, 8)}`;
afterAll(() => deleteTopology(amqpUrl, defineTopology(namespace)));

describe('DeadLetterAdmin.replay', () => {
  it('when a replayed message fails again, then one replay takes it once and ends, leaving it dead-lettered for the next', async () => {
    const bus = await createMessageBus({ amqpUrl, namespace });
    const admin = new DeadLetterAdmin({ url: amqpUrl, topology: defineTopology(namespace) });
    let handled = 0;
    const subscription = await bus.subscribe('engine.events', async () => {
      handled += 1;
      throw new PermanentMessageError('always refused');
    });
    try {
      await bus.publish('event', { routingKey: 'crm.contact_created', messageId: randomUUID(), body: { poison: true } });
      await waitFor(async () => (await admin.peek('engine.events', 10)).length === 1, { timeoutMs: 10_000, what: 'the first dead letter' });

      const replayed = await admin.replay('engine.events', 100);
      expect(replayed).toHaveLength(1);
      await waitFor(async () => handled === 2 && (await admin.peek('engine.events', 10)).length === 1, { timeoutMs: 10_000, what: 'the replay to fail again' });
    } finally {
      await subscription.cancel();
      await bus.close();
      await admin.close();
    }
  });
});
