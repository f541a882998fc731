import { silentLogger, type Logger } from '@flowline/observability';
import { traceIdOf } from './delivery-metrics.ts';
import type { DeadLetterQueues, PeekedDeadLetter, ReplayProgress } from './dead-letter-admin.ts';
import { deferralHeaders, replayHeaders, toDeadLetter, type RetryDelayOptions, type Settlement } from './delivery-policy.ts';
import { encodeBody } from './encode-body.ts';
import { PublishError } from './errors.ts';
import { positiveInteger } from './positive-integer.ts';
import { assertPublishable } from './wire-limits.ts';
import { InMemoryConsumer, type QueuedMessage } from './in-memory-consumer.ts';
import type { BatchHandler, BatchOptions, BroadcastHandler, DeadLetter, MessageBus, MessageHandler, OutgoingMessage, SubscribeOptions, Subscription } from './message-bus.ts';
import { bindingMatches } from './topic-matcher.ts';
import type { BroadcastName, ExchangeSpec, Lane, LanedSubscription, LaneSpec, PublicationName, PublicationSpec, SubscriptionName, SubscriptionSpec, Topology } from './topology.ts';
import { laneOf, queueSpecOf, routableTenantOf } from './topology.ts';

export interface InMemoryBusOptions {
  /** The exchanges, queues and bindings to route by, as on RabbitMQ. */
  topology: Topology;
  /**
   * Handler calls a subscription runs at once.
   * @defaultValue 16
   */
  prefetch?: number;
  /** @defaultValue `silentLogger()` */
  logger?: Logger;
}

interface QueueState {
  messages: QueuedMessage[];
  consumers: InMemoryConsumer[];
  /** Round-robin position among the consumers. */
  next: number;
  drainScheduled: boolean;
}

/**
 * The MessageBus inside one process, for standalone mode without a broker: the same topology,
 * routing, retries, dead-letter headers and delivery counting as the RabbitMQ bus, so that code
 * behaves the same on both. Nothing survives a restart.
 *
 * Delivery is always asynchronous: a handler never runs inside `publish`.
 */
export class InMemoryBus implements MessageBus {
  readonly #topology: Topology;
  readonly #logger: Logger;
  readonly #prefetch: number;
  readonly #maxAttempts: number;
  readonly #retryDelay: RetryDelayOptions;
  readonly #exchanges = new Map<string, ExchangeSpec>();
  readonly #queues = new Map<string, QueueState>();
  /** Broadcast subscribers by exchange: each gets its own copy, as with an exclusive queue each. */
  readonly #broadcastHandlers = new Map<string, Set<BroadcastHandler>>();
  /** The tenant bindings of each headers exchange (a demoted tenant's): exchange → tenant → queues. */
  readonly #tenantBindings = new Map<string, Map<string, Set<string>>>();
  /** Messages waiting out a retry delay, as they would in a retry queue. */
  readonly #retryTimers = new Set<NodeJS.Timeout>();
  #closed = false;
  #closing: Promise<void> | undefined;

  constructor(options: InMemoryBusOptions) {
    this.#topology = options.topology;
    this.#logger = (options.logger ?? silentLogger()).child({ component: 'in-memory-bus', namespace: options.topology.namespace });
    this.#prefetch = positiveInteger(options.prefetch ?? 16, 'prefetch');
    this.#maxAttempts = positiveInteger(options.topology.retry.maxAttempts, 'maxAttempts');
    this.#retryDelay = options.topology.retry.retryDelay;
    for (const exchange of Object.values(options.topology.exchanges)) this.#exchanges.set(exchange.name, exchange);
    const queueNames = [...Object.keys(options.topology.queues), ...options.topology.bindings.map((binding) => binding.queue)];
    for (const name of queueNames) {
      if (!this.#queues.has(name)) this.#queues.set(name, { messages: [], consumers: [], next: 0, drainScheduled: false });
    }
  }

  async publish(publication: PublicationName, message: OutgoingMessage): Promise<void> {
    if (this.#closed) throw new PublishError('the message bus is closed');
    const spec = this.#topology.publications[publication] as PublicationSpec | undefined;
    if (!spec) throw new PublishError(`unknown publication '${publication}'`);
    const content = encodeBody(message.body);
    // The same refusals as on RabbitMQ, so `npm start` behaves as a deployment does.
    assertPublishable(spec.exchange, message.routingKey, content, {
      persistent: true,
      contentType: 'application/json',
      messageId: message.messageId,
      correlationId: message.correlationId,
      headers: { ...message.headers },
    });
    const routed = this.#route(spec.exchange, {
      exchange: spec.exchange,
      routingKey: message.routingKey,
      content,
      headers: { ...message.headers },
      messageId: message.messageId,
      correlationId: message.correlationId,
      publishedAt: Date.now(),
      deliveries: 0,
    });
    // As RabbitMQ returns a mandatory publish that reaches no queue, and the publish then fails.
    if (routed === 0 && spec.mustRoute) {
      throw new PublishError(`publish of ${message.messageId} to ${spec.exchange} with key '${message.routingKey}' failed: no queue is bound for it`);
    }
  }

  subscribe(subscription: SubscriptionName, handler: MessageHandler, options?: SubscribeOptions): Promise<Subscription> {
    return this.subscribeBatch(subscription, (messages) => messages.map(handler), { ...options, maxBatch: 1 });
  }

  async subscribeBatch(subscription: SubscriptionName, handler: BatchHandler, options: BatchOptions = {}): Promise<Subscription> {
    if (this.#closed) throw new Error('the message bus is closed');
    const queueName = (this.#topology.subscriptions[subscription] as SubscriptionSpec | undefined)?.queue;
    if (queueName === undefined) throw new Error(`unknown subscription '${subscription}'`);
    const spec = queueSpecOf(this.#topology, queueName);
    const queue = this.#queues.get(queueName);
    if (!queue) throw new Error(`unknown subscription '${subscription}'`);

    const lane = laneOf(this.#topology, subscription);
    const consumer: InMemoryConsumer = new InMemoryConsumer({
      queue: spec,
      handler,
      maxBatch: options.maxBatch ?? this.#prefetch,
      options,
      prefetch: positiveInteger(options.prefetch ?? this.#prefetch, 'prefetch'),
      maxAttempts: this.#maxAttempts,
      retryDelay: this.#retryDelay,
      logger: this.#logger.child({ subscription, queue: queueName }),
      retry: (message, settlement) => this.#retry(queue, message, settlement),
      deadLetter: (message, settlement) => this.#deadLetter(queueName, message, settlement),
      ...(lane === undefined ? {} : { defer: (message: QueuedMessage) => this.#defer(lane, queueName, message) }),
      onSettled: () => this.#scheduleDrain(queue),
      onCancel: () => {
        queue.consumers = queue.consumers.filter((c) => c !== consumer);
      },
    });
    queue.consumers.push(consumer);
    this.#scheduleDrain(queue);
    return consumer;
  }

  async subscribeBroadcast(broadcast: BroadcastName, handler: BroadcastHandler): Promise<Subscription> {
    if (this.#closed) throw new Error('the message bus is closed');
    const exchange = this.#topology.broadcasts[broadcast]?.exchange;
    if (exchange === undefined) throw new Error(`unknown broadcast '${broadcast}'`);
    const handlers = this.#broadcastHandlers.get(exchange) ?? new Set();
    this.#broadcastHandlers.set(exchange, handlers);
    handlers.add(handler);
    // Nothing is ever missed in one process, so there is never a gap to report.
    return { cancel: async () => void handlers.delete(handler) };
  }

  async setTenantLane(subscription: LanedSubscription, tenant: string, lane: Lane): Promise<void> {
    if (this.#closed) throw new Error('the message bus is closed');
    const spec = (this.#topology.lanes as Record<string, LaneSpec | undefined>)[subscription];
    if (!spec) throw new Error(`subscription '${subscription}' has no lanes`);
    const byTenant = this.#tenantBindings.get(spec.admission) ?? new Map<string, Set<string>>();
    this.#tenantBindings.set(spec.admission, byTenant);
    const queues = byTenant.get(tenant) ?? new Set<string>();
    if (lane === 'deferred') queues.add(spec.deferredQueue);
    else queues.delete(spec.deferredQueue);
    if (queues.size > 0) byTenant.set(tenant, queues);
    else byTenant.delete(tenant);
  }

  async takeDeadLetters(subscription: SubscriptionName, max: number): Promise<DeadLetter[]> {
    const queue = this.#deadLetterQueue(subscription);
    if (max <= 0) return [];
    return queue.messages.splice(0, max).map((message) => toDeadLetter(message.content, message.headers, message.routingKey));
  }

  /**
   * Operator access to this process's dead letters, the same operations `flowline dlq` runs on
   * RabbitMQ; the api serves them under /admin/v1 when it runs on this bus (`npm start`).
   */
  deadLetters(): DeadLetterQueues {
    const peeked = (message: QueuedMessage): PeekedDeadLetter => ({
      ...toDeadLetter(message.content, message.headers, message.routingKey),
      ...(message.messageId === undefined ? {} : { messageId: message.messageId }),
      ...(message.correlationId === undefined ? {} : { correlationId: message.correlationId }),
    });
    return {
      count: async (subscription) => this.#deadLetterQueue(subscription).messages.length,
      peek: async (subscription, limit) => this.#deadLetterQueue(subscription).messages.slice(0, Math.max(0, limit)).map(peeked),
      replay: async (subscription, limit, onProgress?: ReplayProgress) => {
        const queue = this.#deadLetterQueue(subscription);
        const exchange = this.#topology.publications[this.#topology.subscriptions[subscription].replayTo].exchange;
        // Only those waiting now: one that fails again waits for the next replay, as on RabbitMQ.
        const taken = queue.messages.splice(0, Math.max(0, limit));
        const replayed: PeekedDeadLetter[] = [];
        for (const message of taken) {
          const letter = peeked(message);
          this.#route(exchange, { ...message, exchange, routingKey: letter.routingKey, headers: replayHeaders(message.headers), deliveries: 0 });
          replayed.push(letter);
          onProgress?.(replayed.length, taken.length);
        }
        return replayed;
      },
      purge: async (subscription, limit) => this.#deadLetterQueue(subscription).messages.splice(0, limit ?? Number.MAX_SAFE_INTEGER).length,
      close: async () => {},
    };
  }

  #deadLetterQueue(subscription: SubscriptionName): QueueState {
    const queueName = (this.#topology.subscriptions[subscription] as SubscriptionSpec | undefined)?.queue;
    const deadLetterQueue = queueName === undefined ? undefined : this.#topology.queues[queueName]?.deadLetterQueue;
    const queue = deadLetterQueue === undefined ? undefined : this.#queues.get(deadLetterQueue);
    if (!queue) throw new Error(`subscription '${subscription}' has no dead-letter queue`);
    return queue;
  }

  isConnected(): boolean {
    return !this.#closed;
  }

  /** Cancels every subscription, waiting for the handlers in flight; queued messages are lost. */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    this.#closed = true;
    for (const timer of this.#retryTimers) clearTimeout(timer);
    this.#retryTimers.clear();
    const consumers = [...this.#queues.values()].flatMap((queue) => queue.consumers);
    await Promise.allSettled(consumers.map((consumer) => consumer.cancel()));
  }

  /** Copies the message into every queue with a matching binding, once per queue as RabbitMQ does; returns how many. */
  #route(exchangeName: string, message: QueuedMessage): number {
    const exchange = this.#exchanges.get(exchangeName);
    if (!exchange) throw new PublishError(`unknown exchange '${exchangeName}'`);
    const targets = new Set<string>();
    this.#collectTargets(exchange, message, targets, new Set());
    let routed = 0;
    for (const name of targets) {
      const queue = this.#queues.get(name);
      if (!queue) continue;
      queue.messages.push({ ...message, headers: { ...message.headers } });
      this.#scheduleDrain(queue);
      routed += 1;
    }
    for (const handler of this.#broadcastHandlers.get(exchangeName) ?? []) {
      const copy = { ...message, headers: { ...message.headers } };
      setImmediate(() => {
        if (this.#closed) return;
        Promise.resolve()
          .then(() =>
            handler.onMessage({
              routingKey: copy.routingKey,
              content: copy.content,
              headers: copy.headers,
              messageId: copy.messageId,
              correlationId: copy.correlationId,
              deliveryCount: 1,
            }),
          )
          .catch((error: unknown) => this.#logger.warn({ err: error, messageId: copy.messageId }, 'broadcast handler failed; notice dropped'));
      });
    }
    return routed;
  }

  /**
   * The queues an exchange routes a message to, as RabbitMQ does: through exchange-to-exchange
   * bindings, header bindings on x-tenant-id, and to the alternate exchange when none matched.
   */
  #collectTargets(exchange: ExchangeSpec, message: QueuedMessage, targets: Set<string>, visited: Set<string>): void {
    if (visited.has(exchange.name)) return;
    visited.add(exchange.name);
    let matched = false;
    for (const binding of this.#topology.bindings) {
      if (binding.exchange === exchange.name && bindingMatches(exchange.type, binding.routingKey, message.routingKey)) {
        targets.add(binding.queue);
        matched = true;
      }
    }
    for (const binding of this.#topology.exchangeBindings) {
      const destination = this.#exchanges.get(binding.destination);
      if (binding.source === exchange.name && destination && bindingMatches(exchange.type, binding.routingKey, message.routingKey)) {
        this.#collectTargets(destination, message, targets, visited);
        matched = true;
      }
    }
    const tenant = routableTenantOf(message.headers);
    const tenantQueues = tenant === undefined ? undefined : this.#tenantBindings.get(exchange.name)?.get(tenant);
    for (const queue of tenantQueues ?? []) {
      targets.add(queue);
      matched = true;
    }
    const alternate = exchange.alternateExchange === undefined ? undefined : this.#exchanges.get(exchange.alternateExchange);
    if (!matched && alternate) this.#collectTargets(alternate, message, targets, visited);
  }

  /** A copy in the deferred lane, as the RabbitMQ consumer publishes it through the deferral exchange. */
  #defer(lane: LaneSpec, from: string, message: QueuedMessage): void {
    const exchange = this.#topology.exchanges.deferral.name;
    const headers = deferralHeaders(message.headers, { originalExchange: message.exchange, originalRoutingKey: message.routingKey });
    this.#copyOrKeep(from, message, { ...message, exchange, routingKey: lane.deferredQueue, headers, deliveries: 0 }, 'no deferred queue');
  }

  /**
   * Routes `copy`; when it reaches no queue, keeps `message` in `queueName` instead, as RabbitMQ keeps a message whose
   * copy is returned (the consumer requeues the original), but after the longest retry delay rather than in a tight loop.
   */
  #copyOrKeep(queueName: string, message: QueuedMessage, copy: QueuedMessage, reason: string): void {
    if (this.#route(copy.exchange, copy) > 0) return;
    this.#logger.error({ reason, messageId: message.messageId, queue: queueName, exchange: copy.exchange }, 'the copy reached no queue; message kept in its queue');
    const queue = this.#queues.get(queueName);
    if (queue) this.#park(queue, message, this.#topology.retry.retryDelay.maxMs, reason);
  }

  #retry(queue: QueueState, message: QueuedMessage, settlement: Extract<Settlement, { action: 'retry' }>): void {
    const { reason, attempts, delayMs } = settlement;
    this.#logger.info({ reason, messageId: message.messageId, attempts, delayMs }, 'handler failed; message parked for a retry');
    // Back at the end of the queue the retry queue returns to (a deferred lane's: its main lane), with a
    // fresh delivery counter, as from a retry queue.
    const returnsTo = this.#topology.queues[settlement.queue]?.delay?.returnsTo;
    this.#park((returnsTo === undefined ? undefined : this.#queues.get(returnsTo)) ?? queue, { ...message, headers: settlement.headers, deliveries: 0 }, delayMs, reason);
  }

  #park(queue: QueueState, message: QueuedMessage, delayMs: number, reason: string): void {
    if (this.#closed) {
      // A handler that failed while close() drained it: like a queued message, it goes with the bus.
      this.#logger.warn({ reason, messageId: message.messageId }, 'bus closed; retry dropped');
      return;
    }
    const timer = setTimeout(() => {
      this.#retryTimers.delete(timer);
      queue.messages.push(message);
      this.#scheduleDrain(queue);
    }, delayMs);
    // Parked messages must not keep a finished process alive.
    timer.unref();
    this.#retryTimers.add(timer);
  }

  #deadLetter(queueName: string, message: QueuedMessage, settlement: Extract<Settlement, { action: 'dead-letter' }>): void {
    const deadLetterExchange = this.#topology.exchanges.deadLetter.name;
    const { reason, attempts, headers } = settlement;
    this.#logger.warn(
      { reason, routingKey: message.routingKey, messageId: message.messageId, attempts, queue: queueName, trace_id: traceIdOf(message.headers) },
      'message dead-lettered',
    );
    this.#copyOrKeep(queueName, message, { ...message, exchange: deadLetterExchange, routingKey: queueName, headers, deliveries: 0 }, reason);
  }

  /** Delivery runs on a later turn of the event loop, never inside the publish that queued it. */
  #scheduleDrain(queue: QueueState): void {
    if (queue.drainScheduled) return;
    queue.drainScheduled = true;
    setImmediate(() => {
      queue.drainScheduled = false;
      this.#drain(queue);
    });
  }

  #drain(queue: QueueState): void {
    while (queue.messages.length > 0) {
      const consumer = this.#nextConsumerWithCapacity(queue);
      const message = consumer && queue.messages.shift();
      if (!consumer || !message) return;
      consumer.deliver(message);
    }
  }

  #nextConsumerWithCapacity(queue: QueueState): InMemoryConsumer | undefined {
    const count = queue.consumers.length;
    for (let i = 0; i < count; i += 1) {
      const consumer = queue.consumers[(queue.next + i) % count];
      if (consumer?.hasCapacity) {
        queue.next = (queue.next + i + 1) % count;
        return consumer;
      }
    }
    return undefined;
  }
}
