import { randomUUID } from 'node:crypto';
import amqplib from 'amqplib';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { AmqpBus, type AmqpBusOptions } from '../src/amqp-bus.ts';
import { createMessageBus } from '../src/create-message-bus.ts';
import { queueArguments } from '../src/declare-topology.ts';
import { PublishError } from '../src/errors.ts';
import { defineTopology, HEADERS, type Topology } from '../src/topology.ts';
import { aRuleChange, anEvent, busContract, CONTRACT_MAX_ATTEMPTS, Inbox, waitForDeadLetters } from './bus-contract.ts';
import { deleteTopology, onFreshChannel } from './support/amqp-admin.ts';
import { TcpProxy } from '../../../test/support/tcp-proxy.ts';
import { waitFor } from './support/wait-for.ts';

const amqpUrl = inject('amqpUrl');
const fastRetries = { baseMs: 20, maxMs: 100 };

describe('AmqpBus', () => {
  const topologies: Topology[] = [];
  const cleanups: Array<() => Promise<unknown>> = [];
  const freshTopology = (): Topology => {
    const topology = defineTopology(`test-${randomUUID()}`, { retryDelay: fastRetries });
    topologies.push(topology);
    return topology;
  };
  /** A bus on a fresh namespace, closed after the test; `url` defaults to the broker itself. */
  const startBus = async (options: Partial<AmqpBusOptions> = {}): Promise<AmqpBus> => {
    const bus = new AmqpBus({ url: amqpUrl, topology: freshTopology(), reconnectDelayMs: 100, ...options });
    cleanups.push(() => bus.close());
    await bus.ready({ timeoutMs: 5000 });
    return bus;
  };
  const startProxy = async (): Promise<TcpProxy> => {
    const proxy = await TcpProxy.start(amqpUrl);
    cleanups.push(() => proxy.close());
    return proxy;
  };

  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    await Promise.all(topologies.splice(0).map((topology) => deleteTopology(amqpUrl, topology)));
  });

  busContract(async (namespace, adjust) => {
    const topology = defineTopology(namespace, { maxAttempts: CONTRACT_MAX_ATTEMPTS, retryDelay: fastRetries });
    topologies.push(defineTopology(namespace, { maxAttempts: CONTRACT_MAX_ATTEMPTS, retryDelay: fastRetries }));
    adjust?.(topology);
    const bus = new AmqpBus({ url: amqpUrl, topology, reconnectDelayMs: 100 });
    await bus.ready({ timeoutMs: 5000 });
    return bus;
  });

  it('when the broker is unreachable, then createMessageBus rejects within its connect timeout', async () => {
    const started = Date.now();

    await expect(
      createMessageBus({ amqpUrl: 'amqp://guest:guest@127.0.0.1:1', namespace: `test-${randomUUID()}`, connectTimeoutMs: 300 }),
    ).rejects.toThrow(/not ready within 300 ms/);

    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('when the broker does not confirm within publishTimeoutMs, then publish rejects with a PublishError', async () => {
    const proxy = await startProxy();
    const bus = await startBus({ url: proxy.urlFor(amqpUrl), publishTimeoutMs: 300 });
    proxy.freeze();
    const started = Date.now();

    const publishing = bus.publish('event', anEvent());

    await expect(publishing).rejects.toBeInstanceOf(PublishError);
    await expect(publishing).rejects.toThrow(/no confirm from the broker within 300 ms/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(Date.now() - started).toBeLessThan(1500);
    proxy.thaw();
  });

  it('when the queue a publication routes to has been deleted, then publish rejects instead of being confirmed and lost', async () => {
    const bus = await startBus();
    const topology = topologies.at(-1)!;
    const admin = await amqplib.connect(amqpUrl);
    cleanups.push(() => admin.close());
    await onFreshChannel(admin, (channel) => channel.deleteQueue(topology.subscriptions['engine.events'].queue));

    await expect(bus.publish('event', anEvent())).rejects.toThrow(PublishError);
    await expect(bus.publish('event', anEvent())).rejects.toThrow(/no queue is bound/);
  });

  it('when the connection is down, then publish fails with a PublishError within publishTimeoutMs and is not sent after reconnecting', async () => {
    const proxy = await startProxy();
    const bus = await startBus({ url: proxy.urlFor(amqpUrl), publishTimeoutMs: 300 });
    proxy.refuseConnections(true);
    proxy.dropConnections();
    await waitFor(() => !bus.isConnected(), { what: 'the bus to notice the disconnect' });
    const lost = anEvent();
    const started = Date.now();

    await expect(bus.publish('event', lost)).rejects.toThrow(/not connected to the broker within 300 ms/);
    expect(Date.now() - started).toBeLessThan(1500);

    proxy.refuseConnections(false);
    await waitFor(() => bus.isConnected(), { what: 'the bus to reconnect' });
    const inbox = new Inbox();
    await bus.subscribe('engine.events', inbox.handler);
    const after = anEvent();
    await waitFor(() => bus.publish('event', after).then(() => true, () => false), { what: 'a publish to succeed' });
    await inbox.waitForCount(1);
    // A marker published after: once it is in, the refused message would have come before it.
    const marker = anEvent();
    await bus.publish('event', marker);
    await inbox.waitForCount(2);
    expect(inbox.messages.map((m) => m.messageId)).toEqual([after.messageId, marker.messageId]);
  });

  it('when the connection drops, then the bus reconnects, declares the topology again and the subscription resumes', async () => {
    const proxy = await startProxy();
    const bus = await startBus({ url: proxy.urlFor(amqpUrl) });
    const topology = topologies.at(-1) as Topology;
    const inbox = new Inbox();
    await bus.subscribe('engine.events', inbox.handler);
    await bus.publish('event', anEvent());
    await inbox.waitForCount(1);

    proxy.refuseConnections(true);
    proxy.dropConnections();
    await waitFor(() => !bus.isConnected(), { what: 'the bus to notice the disconnect' });
    // Only a fresh declaration on reconnect can bring these back.
    await deleteTopology(amqpUrl, topology);
    proxy.refuseConnections(false);
    await waitFor(() => bus.isConnected(), { what: 'the bus to reconnect' });
    await bus.publish('event', anEvent());

    await inbox.waitForCount(2);
    expect(inbox.messages).toHaveLength(2);
  });

  it('when a broadcast subscriber loses its connection, then after reconnecting it reports a gap and gets the notices sent after it', async () => {
    const proxy = await startProxy();
    const subscriber = await startBus({ url: proxy.urlFor(amqpUrl) });
    const publisher = new AmqpBus({ url: amqpUrl, topology: topologies.at(-1) as Topology, reconnectDelayMs: 100 });
    cleanups.push(() => publisher.close());
    await publisher.ready({ timeoutMs: 5000 });
    const inbox = new Inbox();
    let gaps = 0;
    await subscriber.subscribeBroadcast('rule-changes', { onMessage: inbox.handler, onGap: () => void (gaps += 1) });
    const before = aRuleChange();
    await publisher.publish('rule-changes', before);
    await inbox.waitForCount(1);

    proxy.refuseConnections(true);
    proxy.dropConnections();
    await waitFor(() => !subscriber.isConnected(), { what: 'the subscriber to notice the disconnect' });
    await publisher.publish('rule-changes', aRuleChange());
    proxy.refuseConnections(false);
    await waitFor(() => gaps > 0, { what: 'a gap reported after the reconnect' });
    const after = aRuleChange();
    await publisher.publish('rule-changes', after);
    await inbox.waitForCount(2);

    expect(inbox.messages.map((m) => m.messageId)).toEqual([before.messageId, after.messageId]);
    expect(gaps).toBe(1);
  });

  it('when the broker closes the publisher channel, then the bus reconnects and publishing works again', async () => {
    const bus = await startBus({ publishTimeoutMs: 1000 });
    const topology = topologies.at(-1) as Topology;
    const inbox = new Inbox();
    await bus.subscribe('engine.events', inbox.handler);
    // Publishing to a deleted exchange makes the broker close the channel (404).
    const admin = await amqplib.connect(amqpUrl);
    cleanups.push(() => admin.close());
    await onFreshChannel(admin, (channel) => channel.deleteExchange(topology.exchanges.events.name));

    await expect(bus.publish('event', anEvent())).rejects.toBeInstanceOf(PublishError);
    const recovered = anEvent();
    await waitFor(() => bus.publish('event', recovered).then(() => true, () => false), { what: 'a publish to succeed again' });

    await inbox.waitForCount(1);
    expect(inbox.messages.map((m) => m.messageId)).toEqual([recovered.messageId]);
  });

  it('when the topology is declared, then work queues are quorum queues with the dead-letter safety net', async () => {
    await startBus();
    const topology = topologies.at(-1) as Topology;
    const workQueue = topology.subscriptions['engine.events'].queue;
    const admin = await amqplib.connect(amqpUrl);
    cleanups.push(() => admin.close());

    // A redeclaration only succeeds with exactly the arguments the queue has.
    const expected = queueArguments(topology.queues[workQueue]!, topology);
    expect(expected).toEqual({
      'x-queue-type': 'quorum',
      'x-dead-letter-exchange': topology.exchanges.deadLetter.name,
      'x-dead-letter-routing-key': workQueue,
      'x-delivery-limit': 50,
    });
    await onFreshChannel(admin, (channel) => channel.assertQueue(workQueue, { durable: true, arguments: expected }));
    await expect(
      onFreshChannel(admin, (channel) => channel.assertQueue(workQueue, { durable: true, arguments: { 'x-queue-type': 'classic' } })),
    ).rejects.toThrow(/PRECONDITION_FAILED/);
  });

  it('when the broker dead-letters a message at its delivery limit, then takeDeadLetters reports the x-death reason', async () => {
    const bus = await startBus();
    const topology = topologies.at(-1) as Topology;
    const workQueue = topology.subscriptions['engine.events'].queue;
    const message = anEvent();
    await bus.publish('event', message);

    // A consumer that crashes on every delivery, as far as the broker can tell.
    const admin = await amqplib.connect(amqpUrl);
    cleanups.push(() => admin.close());
    const channel = await admin.createChannel();
    await channel.consume(workQueue, (delivery) => {
      if (delivery) channel.nack(delivery, false, true);
    });
    const [deadLetter] = await waitForDeadLetters(bus, 'engine.events', 1);

    expect(deadLetter?.reason).toBe('delivery_limit');
    expect(deadLetter?.routingKey).toBe(message.routingKey);
    expect(deadLetter?.headers[HEADERS.reason]).toBeUndefined();
  });
});
