import { randomUUID } from 'node:crypto';
import amqplib from 'amqplib';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { startHealthServer, type HealthServer } from '@flowline/observability';
import { AmqpBus } from '../src/amqp-bus.ts';
import { lastConsumedPublishedAt, recordConsumed } from '../src/delivery-metrics.ts';
import { stageQueuesOf } from '../src/stage-queues.ts';
import { defineTopology, HEADERS, type Topology } from '../src/topology.ts';
import { sampleSum, scrape } from '../../../test/support/prometheus-text.ts';
import { deleteTopology } from './support/amqp-admin.ts';
import { waitFor } from './support/wait-for.ts';

const amqpUrl = inject('amqpUrl');

describe('stageQueuesOf', () => {
  const subscriptions = [
    ['engine.events', 'engine'],
    ['executor.actions', 'executor'],
  ] as const;

  it.each(subscriptions)('when the %s stage is read, then its main queue comes first, then its lanes, and never a retry or dead-letter queue', (subscription, stage) => {
    const topology = defineTopology('ns');
    const main = topology.subscriptions[subscription].queue;
    const deadLetterQueues = new Set(Object.values(topology.queues).map((queue) => queue.deadLetterQueue));

    const watched = stageQueuesOf(topology, subscription);

    expect(watched.stage).toBe(stage);
    expect(watched.queues[0]).toBe(main);
    for (const queue of watched.queues.slice(1)) expect(queue.startsWith(`${main}.`), queue).toBe(true);
    for (const queue of watched.queues) {
      expect(topology.queues[queue]?.delay, queue).toBeUndefined();
      expect(deadLetterQueues.has(queue), queue).toBe(false);
    }
    // Whatever lanes the topology declares today, the deferred lane included once it exists.
    const deferred = `${main}.deferred`;
    if (topology.queues[deferred]) expect(watched.queues).toContain(deferred);
  });

  it('when the topology declares another lane of a work queue, then that stage watches it too and the other stage does not', () => {
    const topology = defineTopology('ns');
    const before = { engine: stageQueuesOf(topology, 'engine.events').queues, executor: stageQueuesOf(topology, 'executor.actions').queues };
    topology.queues['ns.engine.events.bulk'] = { name: 'ns.engine.events.bulk', type: 'quorum', deadLetterQueue: 'ns.engine.events.dead-letter' };

    expect(stageQueuesOf(topology, 'engine.events').queues).toEqual([...before.engine, 'ns.engine.events.bulk']);
    expect(stageQueuesOf(topology, 'executor.actions').queues).toEqual(before.executor);
  });
});

/*
 * The backlog on the metrics endpoint, on a real broker: the consumer is held on its one
 * prefetched message, so what is published after it stays ready in the queue.
 */
describe('queue backlog metrics on RabbitMQ', () => {
  const cleanups: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('when N messages wait behind a busy consumer, then /metrics shows a backlog of N and their age, and 0 once they are consumed', async () => {
    const topology: Topology = defineTopology(`test-${randomUUID()}`);
    cleanups.push(() => deleteTopology(amqpUrl, topology));
    const bus = new AmqpBus({ url: amqpUrl, topology, prefetch: 1, backlogPollMs: 100 });
    cleanups.push(() => bus.close());
    await bus.ready({ timeoutMs: 5000 });
    const health: HealthServer = await startHealthServer({ port: 0, host: '127.0.0.1', checks: {} });
    cleanups.push(() => health.close());
    const metricsUrl = `http://127.0.0.1:${health.port}/metrics`;

    const release = Promise.withResolvers<void>();
    let handled = 0;
    await bus.subscribe('engine.events', async () => {
      handled += 1;
      await release.promise;
    });
    // Published ten minutes ago, as far as the timestamp property says.
    const publishedAt = Math.floor(Date.now() / 1000) - 600;
    const connection = await amqplib.connect(amqpUrl);
    cleanups.push(() => connection.close());
    const channel = await connection.createConfirmChannel();
    const publish = (count: number) => {
      for (let i = 0; i < count; i += 1) {
        channel.publish(topology.exchanges.events.name, 'sales.opportunity_created', Buffer.from('{}'), {
          persistent: true,
          messageId: randomUUID(),
          timestamp: publishedAt,
          headers: { [HEADERS.tenantId]: 'tenant-a' },
        });
      }
      return channel.waitForConfirms();
    };
    await publish(1);
    await waitFor(() => handled === 1, { what: 'the first message to be held by the consumer' });
    const N = 25;
    await publish(N);

    const queue = { queue: topology.subscriptions['engine.events'].queue, stage: 'engine' };
    const text = await waitFor(async () => {
      const body = await scrape(metricsUrl);
      return sampleSum(body, 'flowline_queue_messages_ready', queue) === N ? body : undefined;
    }, { what: `a backlog of ${N}`, intervalMs: 50 });
    expect(sampleSum(text, 'flowline_queue_oldest_message_age_seconds', queue)).toBeGreaterThanOrEqual(600);
    // Only the stage this process consumes from is watched.
    expect(text).not.toContain(`queue="${topology.subscriptions['executor.actions'].queue}"`);

    release.resolve();
    await waitFor(() => handled === N + 1, { what: 'every message to be handled' });
    const drained = await waitFor(async () => {
      const body = await scrape(metricsUrl);
      return sampleSum(body, 'flowline_queue_messages_ready', queue) === 0 && body.includes('flowline_queue_oldest_message_age_seconds{') ? body : undefined;
    }, { what: 'the backlog to read 0', intervalMs: 50 });
    expect(sampleSum(drained, 'flowline_queue_oldest_message_age_seconds', queue)).toBe(0);
  });
});

describe('the publish time a consumer notes for the oldest-message age', () => {
  it('when a message carries the broker-set timestamp_in_ms header, then it wins over the whole-second timestamp property', () => {
    const queue = `q-${randomUUID()}`;
    recordConsumed(queue, { timestamp: 1_700_000_000, headers: { timestamp_in_ms: 1_700_000_000_123 } });
    expect(lastConsumedPublishedAt(queue)).toBe(1_700_000_000_123);
  });

  it('when a message carries only the timestamp property, then its seconds are taken', () => {
    const queue = `q-${randomUUID()}`;
    recordConsumed(queue, { timestamp: 1_700_000_000, headers: {} });
    expect(lastConsumedPublishedAt(queue)).toBe(1_700_000_000_000);
  });

  it('when a message carries no timestamp, then the last known publish time stays', () => {
    const queue = `q-${randomUUID()}`;
    expect(lastConsumedPublishedAt(queue)).toBeUndefined();
    recordConsumed(queue, { timestamp: 1_700_000_000, headers: {} });
    recordConsumed(queue, { timestamp: undefined, headers: { timestamp_in_ms: 'soon' } });
    expect(lastConsumedPublishedAt(queue)).toBe(1_700_000_000_000);
  });
});
