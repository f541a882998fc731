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

  /** A bus consuming engine.events with prefetch 1 and a handler held until released; /metrics on a port of its own. */
  async function busyConsumer() {
    const topology: Topology = defineTopology(`test-${randomUUID()}`);
    cleanups.push(() => deleteTopology(amqpUrl, topology));
    const bus = new AmqpBus({ url: amqpUrl, topology, prefetch: 1, backlogPollMs: 100 });
    cleanups.push(() => bus.close());
    await bus.ready({ timeoutMs: 5000 });
    const health: HealthServer = await startHealthServer({ port: 0, host: '127.0.0.1', checks: {} });
    cleanups.push(() => health.close());
    const release = Promise.withResolvers<void>();
    const consumer = { handled: 0, release: () => release.resolve() };
    await bus.subscribe('engine.events', async () => {
      consumer.handled += 1;
      await release.promise;
    });
    const connection = await amqplib.connect(amqpUrl);
    cleanups.push(() => connection.close());
    const channel = await connection.createConfirmChannel();
    const publish = (count: number, timestamp: number | undefined) => {
      for (let i = 0; i < count; i += 1) {
        channel.publish(topology.exchanges.events.name, 'sales.opportunity_created', Buffer.from('{}'), {
          persistent: true,
          messageId: randomUUID(),
          ...(timestamp === undefined ? {} : { timestamp }),
          headers: { [HEADERS.tenantId]: 'tenant-a' },
        });
      }
      return channel.waitForConfirms();
    };
    const labels = { queue: topology.subscriptions['engine.events'].queue, stage: 'engine' };
    const scrapeWhen = (what: string, ok: (text: string) => boolean) =>
      waitFor(async () => {
        const text = await scrape(`http://127.0.0.1:${health.port}/metrics`);
        return ok(text) ? text : undefined;
      }, { what, intervalMs: 50 });
    return { topology, consumer, publish, labels, scrapeWhen };
  }

  it('when N messages wait behind a busy consumer, then /metrics shows a backlog of N and their age, and 0 once they are consumed', async () => {
    const { topology, consumer, publish, labels, scrapeWhen } = await busyConsumer();
    // Published ten minutes ago, as far as the timestamp property says.
    const publishedAt = Math.floor(Date.now() / 1000) - 600;
    await publish(1, publishedAt);
    await waitFor(() => consumer.handled === 1, { what: 'the first message to be held by the consumer' });
    const N = 25;
    await publish(N, publishedAt);

    const text = await scrapeWhen(`a backlog of ${N}`, (body) => sampleSum(body, 'flowline_queue_messages_ready', labels) === N);
    expect(sampleSum(text, 'flowline_queue_oldest_message_age_seconds', labels)).toBeGreaterThanOrEqual(600);
    // Only the stage this process consumes from is watched.
    expect(text).not.toContain(`queue="${topology.subscriptions['executor.actions'].queue}"`);

    consumer.release();
    await waitFor(() => consumer.handled === N + 1, { what: 'every message to be handled' });
    const drained = await scrapeWhen('the backlog to read 0', (body) => sampleSum(body, 'flowline_queue_messages_ready', labels) === 0);
    expect(sampleSum(drained, 'flowline_queue_oldest_message_age_seconds', labels)).toBe(0);
  });

  it('when the messages waiting carry no timestamp, then the backlog shows and the age is absent rather than a stale figure', async () => {
    const { consumer, publish, labels, scrapeWhen } = await busyConsumer();
    // The empty queue first reads age 0.
    await scrapeWhen('an age of 0 for the empty queue', (body) => body.includes(`flowline_queue_oldest_message_age_seconds{queue="${labels.queue}"`));
    await publish(1, undefined);
    await waitFor(() => consumer.handled === 1, { what: 'the first message to be held by the consumer' });
    const N = 10;
    await publish(N, undefined);

    const text = await scrapeWhen(`a backlog of ${N}`, (body) => sampleSum(body, 'flowline_queue_messages_ready', labels) === N);
    expect(text).not.toContain(`flowline_queue_oldest_message_age_seconds{queue="${labels.queue}"`);
    consumer.release();
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

  it('when the message consumed last carries no timestamp, then the publish time is unknown until a timestamped one comes', () => {
    const queue = `q-${randomUUID()}`;
    expect(lastConsumedPublishedAt(queue)).toBeUndefined();
    recordConsumed(queue, { timestamp: 1_700_000_000, headers: {} });
    recordConsumed(queue, { timestamp: undefined, headers: { timestamp_in_ms: 'soon' } });
    expect(lastConsumedPublishedAt(queue)).toBeUndefined();
    recordConsumed(queue, { timestamp: 1_700_000_060, headers: {} });
    expect(lastConsumedPublishedAt(queue)).toBe(1_700_000_060_000);
  });
});
