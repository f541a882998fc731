import { randomUUID } from 'node:crypto';
import amqplib from 'amqplib';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { createMessageBus, DeadLetterAdmin, defineTopology, deleteTopology, PermanentMessageError } from '@flowline/messaging';
import { waitFor } from './support/wait-for.ts';

const amqpUrl = inject('amqpUrl');
const namespace = `test-dla-${randomUUID().slice(0, 8)}`;
const inspected = `test-dla-${randomUUID().slice(0, 8)}`;
afterAll(() => Promise.all([namespace, inspected].map((ns) => deleteTopology(amqpUrl, defineTopology(ns)))));

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

  it('when dead letters were inspected just before (taken and handed back), then a replay right after still takes every one, reporting progress', async () => {
    // Declares the topology; nothing consumes, so replayed messages wait in the work queue.
    const bus = await createMessageBus({ amqpUrl, namespace: inspected });
    const topology = defineTopology(inspected);
    const admin = new DeadLetterAdmin({ url: amqpUrl, topology });
    const connection = await amqplib.connect(amqpUrl);
    const channel = await connection.createConfirmChannel();
    const deadLetterQueue = admin.queueOf('engine.events');
    try {
      for (let round = 0; round < 10; round += 1) {
        for (let i = 0; i < 3; i += 1) {
          channel.publish(topology.exchanges.deadLetter.name, topology.subscriptions['engine.events'].queue, Buffer.from('{}'), {
            persistent: true,
            messageId: randomUUID(),
            headers: { 'x-flowline-reason': 'test', 'x-flowline-original-routing-key': 'crm.contact_created' },
          });
        }
        await channel.waitForConfirms();
        await waitFor(async () => (await channel.checkQueue(deadLetterQueue)).messageCount === 3, { timeoutMs: 10_000, what: 'three dead letters' });
        expect(await admin.peek('engine.events', 3)).toHaveLength(3);
        const progress: string[] = [];
        const replayed = await admin.replay('engine.events', 100, (done, total) => progress.push(`${done}/${total}`));
        expect(replayed, `round ${round}`).toHaveLength(3);
        // The total is the queue's count when the replay began, which may not yet include the
        // handed-back messages (the race this guards): only the count done is exact.
        expect(progress.map((p) => p.split('/')[0])).toEqual(['1', '2', '3']);
        expect(progress.at(-1)).toBe('3/3');
      }
    } finally {
      await connection.close();
      await bus.close();
      await admin.close();
    }
  });
});
