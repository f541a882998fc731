import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { metrics } from '@flowline/observability';
import { createMessageBus } from '../src/create-message-bus.ts';
import { PermanentMessageError } from '../src/errors.ts';
import type { MessageBus } from '../src/message-bus.ts';
import { defineTopology } from '../src/topology.ts';
import { anEvent } from './bus-contract.ts';
import { deleteTopology } from './support/amqp-admin.ts';
import { waitFor } from './support/wait-for.ts';

/*
 * Both buses report to the process's metrics registry the same way: prefetch, messages held,
 * retries, dead letters by kind; the RabbitMQ bus also its connection state.
 */
const amqpUrl = inject('amqpUrl');
const namespaces: string[] = [];
afterAll(async () => {
  await Promise.all(namespaces.map((namespace) => deleteTopology(amqpUrl, defineTopology(namespace))));
});

const value = async (name: string, labels: Record<string, string>) =>
  (await metrics().registry.getSingleMetric(name)!.get()).values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l))?.value ?? 0;

describe.each([
  ['in-memory', undefined],
  ['RabbitMQ', amqpUrl],
])('delivery metrics on the %s bus', (_name, url) => {
  it('when one message fails once and another is refused, then a retry and a permanent dead letter are counted and nothing stays held', async () => {
    const namespace = `metrics-${randomUUID().slice(0, 8)}`;
    if (url) namespaces.push(namespace);
    const queue = `${namespace}.engine.events`;
    const bus: MessageBus = await createMessageBus({ amqpUrl: url, namespace, prefetch: 3, maxAttempts: 3, retryDelay: { baseMs: 1, maxMs: 5 } });
    try {
      const seen = new Map<string, number>();
      let done = 0;
      await bus.subscribe('engine.events', async (message) => {
        const attempts = (seen.get(message.messageId!) ?? 0) + 1;
        seen.set(message.messageId!, attempts);
        if (message.headers['x-test'] === 'refuse') throw new PermanentMessageError('refused');
        if (attempts === 1) throw new Error('flaky');
        done += 1;
      });
      expect(await value('flowline_consumer_prefetch', { queue })).toBe(3);

      await bus.publish('event', anEvent());
      await bus.publish('event', anEvent({ headers: { 'x-test': 'refuse' } }));
      await waitFor(async () => done === 1 && (await value('flowline_messages_dead_lettered_total', { queue })) === 1, { what: 'both settled' });

      expect(await value('flowline_message_retries_total', { queue })).toBe(1);
      expect(await value('flowline_messages_dead_lettered_total', { queue, kind: 'permanent' })).toBe(1);
      await waitFor(async () => (await value('flowline_consumer_in_flight', { queue })) === 0, { what: 'nothing held' });
      if (url) expect(await value('flowline_broker_connected', { broker: 'rabbitmq' })).toBe(1);
    } finally {
      await bus.close();
    }
  });
});
