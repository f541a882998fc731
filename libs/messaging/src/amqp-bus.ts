import { AmqpConnectionManagerClass, type AmqpConnectionManager, type ChannelWrapper } from 'amqp-connection-manager';
import type { Channel, ChannelModel, ConfirmChannel } from 'amqplib';
import { silentLogger, type Logger } from '@flowline/observability';
import { AmqpBroadcastSubscription } from './amqp-broadcast-subscription.ts';
import { AmqpSubscription } from './amqp-subscription.ts';
import { coalesceSocketWrites } from './coalesce-socket-writes.ts';
import { declareTopology } from './declare-topology.ts';
import { ReturnedMessages } from './returned-messages.ts';
import { recordConnected } from './delivery-metrics.ts';
import { toDeadLetter, type RetryDelayOptions } from './delivery-policy.ts';
import { encodeBody } from './encode-body.ts';
import { PublishError } from './errors.ts';
import { positiveInteger } from './positive-integer.ts';
import { QueueBacklogMonitor } from './queue-backlog-monitor.ts';
import { stageQueuesOf } from './stage-queues.ts';
import { assertPublishable } from './wire-limits.ts';
import type { BatchHandler, BatchOptions, BroadcastHandler, DeadLetter, MessageBus, MessageHandler, OutgoingMessage, SubscribeOptions, Subscription } from './message-bus.ts';
import { laneOf, tenantLaneBindings, type BroadcastName, type Lane, type LanedSubscription, type LaneSpec, type PublicationName, type PublicationSpec, type SubscriptionName, type SubscriptionSpec, type Topology } from './topology.ts';

export interface AmqpBusOptions {
  /** Broker URL, e.g. `amqp://user:password@rabbitmq:5672/vhost`. */
  url: string;
  /** The exchanges, queues and bindings to declare (on every connect) and route by. */
  topology: Topology;
  /**
   * Unacknowledged messages a subscription holds at once, which is also how many handler calls
   * run concurrently per subscription.
   * @defaultValue 16
   */
  prefetch?: number;
  /**
   * How long a publish waits for the broker's confirm, including any time spent waiting for a
   * connection, before it rejects with a PublishError. Also bounds dead-letter publishes.
   * @defaultValue 5000
   */
  publishTimeoutMs?: number;
  /** @defaultValue `silentLogger()` */
  logger?: Logger;
  /**
   * AMQP heartbeat: how quickly a silently dead connection (no TCP reset) is noticed.
   * @defaultValue 5
   */
  heartbeatSeconds?: number;
  /**
   * Wait before the first connection attempt after a disconnect; it doubles with each failed
   * attempt up to `reconnectMaxDelayMs`, and each wait is randomised between half and all of
   * it, so that a fleet of workers does not reconnect in lockstep after a broker restart.
   * @defaultValue 1000
   */
  reconnectDelayMs?: number;
  /** @defaultValue 30000 */
  reconnectMaxDelayMs?: number;
  /**
   * How often a process that consumes from a stage reads the backlog of that stage's work queues
   * for its metrics (see QueueBacklogMonitor).
   * @defaultValue 5000
   */
  backlogPollMs?: number;
}

export interface ReadyOptions {
  /** @defaultValue 10000 */
  timeoutMs?: number;
}

/**
 * The MessageBus on RabbitMQ, through amqp-connection-manager: it reconnects on its own and
 * declares the topology again on every new channel, before anything is published or consumed
 * there.
 *
 * Construction starts connecting in the background; call {@link AmqpBus.ready} (as
 * `createMessageBus` does) before serving, to know the broker is reachable and the topology
 * declared.
 *
 * Publishes are pipelined on one confirm channel. A publish that cannot be confirmed within
 * `publishTimeoutMs` (broker unreachable, connection lost, nacked) rejects with a PublishError
 * and is dropped from the outgoing queue, so it is never sent later behind the caller's back.
 * When it timed out after being written, the broker may still have it: delivery is
 * at-least-once, and a caller retrying a failed publish may produce a duplicate.
 */
export class AmqpBus implements MessageBus {
  readonly #topology: Topology;
  readonly #logger: Logger;
  readonly #prefetch: number;
  readonly #publishTimeoutMs: number;
  readonly #maxAttempts: number;
  readonly #reconnectDelayMs: number;
  readonly #reconnectMaxDelayMs: number;
  #failedConnects = 0;
  readonly #retryDelay: RetryDelayOptions;
  readonly #manager: AmqpConnectionManager;
  readonly #publisher: ChannelWrapper;
  readonly #returned = new ReturnedMessages();
  readonly #topologyDeclared = Promise.withResolvers<void>();
  readonly #connectAttempt: Promise<void>;
  readonly #subscriptions = new Set<AmqpSubscription | AmqpBroadcastSubscription>();
  readonly #pendingPublishes = new Set<Promise<unknown>>();
  readonly #backlog: QueueBacklogMonitor;
  readonly #redactedUrl: string;
  #lanes: { connection: ChannelModel; channel: Promise<Channel>; open?: Channel } | undefined;
  #lanesKeptOpen = false;
  #lastConnectError: unknown;
  #lastSetupError: unknown;
  #connectFailureLogged = false;
  #closed = false;
  #closing: Promise<void> | undefined;

  constructor(options: AmqpBusOptions) {
    this.#topology = options.topology;
    this.#logger = (options.logger ?? silentLogger()).child({ component: 'amqp-bus', namespace: options.topology.namespace });
    this.#prefetch = positiveInteger(options.prefetch ?? 16, 'prefetch');
    this.#publishTimeoutMs = positiveInteger(options.publishTimeoutMs ?? 5000, 'publishTimeoutMs');
    this.#maxAttempts = positiveInteger(options.topology.retry.maxAttempts, 'maxAttempts');
    this.#reconnectDelayMs = positiveInteger(options.reconnectDelayMs ?? 1000, 'reconnectDelayMs');
    this.#reconnectMaxDelayMs = Math.max(this.#reconnectDelayMs, positiveInteger(options.reconnectMaxDelayMs ?? 30_000, 'reconnectMaxDelayMs'));
    this.#retryDelay = options.topology.retry.retryDelay;
    this.#redactedUrl = redactUrl(options.url);
    // Nobody may ever call ready(); its rejection on close must not go unhandled.
    this.#topologyDeclared.promise.catch(() => {});

    this.#manager = new AmqpConnectionManagerClass(options.url, {
      heartbeatIntervalInSeconds: options.heartbeatSeconds ?? 5,
      reconnectTimeInSeconds: this.#reconnectDelayMs / 1000,
      connectionOptions: {
        // Bounds a TCP connect to a host that does not answer at all.
        timeout: 10_000,
        clientProperties: { connection_name: `flowline ${options.topology.namespace}` },
      },
    });
    this.#backlog = new QueueBacklogMonitor({
      connection: () => this.#manager.connection,
      adoptChannel: (channel) => this.#adoptChannel(channel, 'backlog monitor', { recover: false }),
      intervalMs: positiveInteger(options.backlogPollMs ?? 5000, 'backlogPollMs'),
      logger: this.#logger,
    });
    this.#watchConnection();
    this.#publisher = this.#manager.createChannel({
      name: 'publisher',
      confirm: true,
      publishTimeout: this.#publishTimeoutMs,
      setup: (channel: ConfirmChannel) => this.#setUpPublisher(channel),
    });
    this.#publisher.on('error', (error: unknown) => this.#logger.error({ err: error }, 'publisher channel could not be opened'));

    this.#connectAttempt = this.#manager.connect();
    // Only ready() cares, and only about refused credentials; retries go on regardless.
    this.#connectAttempt.catch(() => {});
  }

  /**
   * Resolves once the bus has been connected with the topology declared (the first time; it
   * does not wait out a later outage). Rejects when that has not happened within the timeout,
   * when the credentials are refused, or when the bus is closed. The bus keeps trying to connect
   * in the background either way.
   */
  async ready(options: ReadyOptions = {}): Promise<void> {
    const timeoutMs = options.timeoutMs ?? 10_000;
    if (this.#closed) throw new Error('the message bus is closed');
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const cause = this.#lastConnectError ?? this.#lastSetupError;
        const detail = cause instanceof Error ? `: ${cause.message}` : '';
        reject(new Error(`RabbitMQ at ${this.#redactedUrl} was not ready within ${timeoutMs} ms${detail}`, { cause }));
      }, timeoutMs);
    });
    try {
      // The connect attempt rejects early only when the credentials are refused.
      await Promise.race([this.#connectAttempt.then(() => this.#topologyDeclared.promise), timedOut]);
    } finally {
      clearTimeout(timer);
    }
  }

  async publish(publication: PublicationName, message: OutgoingMessage): Promise<void> {
    if (this.#closed) throw new PublishError('the message bus is closed');
    const spec = this.#topology.publications[publication] as PublicationSpec | undefined;
    if (!spec) throw new PublishError(`unknown publication '${publication}'`);
    const content = encodeBody(message.body);

    const publishOptions = {
      persistent: true,
      contentType: 'application/json',
      messageId: message.messageId,
      correlationId: message.correlationId,
      headers: { ...message.headers },
      timestamp: Math.floor(Date.now() / 1000),
    };
    const { id, options } = spec.mustRoute ? this.#returned.mandatory(publishOptions) : { id: undefined, options: publishOptions };
    // Refused here, before the shared confirm channel counts it: see wire-limits.ts.
    assertPublishable(spec.exchange, message.routingKey, content, options);
    const confirmed = this.#publisher.publish(spec.exchange, message.routingKey, content, options);
    this.#pendingPublishes.add(confirmed);
    try {
      await confirmed;
      if (id !== undefined && this.#returned.wasReturned(id)) throw new Error('no queue is bound for it (the broker returned it)');
    } catch (error) {
      throw new PublishError(
        `publish of ${message.messageId} to ${spec.exchange} with key '${message.routingKey}' failed: ${this.#describePublishFailure(error)}`,
        { cause: error },
      );
    } finally {
      this.#pendingPublishes.delete(confirmed);
      if (id !== undefined) this.#returned.forget(id);
    }
  }

  subscribe(subscription: SubscriptionName, handler: MessageHandler, options?: SubscribeOptions): Promise<Subscription> {
    return this.subscribeBatch(subscription, (messages) => messages.map(handler), { ...options, maxBatch: 1 });
  }

  async subscribeBatch(subscription: SubscriptionName, handler: BatchHandler, options: BatchOptions = {}): Promise<Subscription> {
    if (this.#closed) throw new Error('the message bus is closed');
    if (!(this.#topology.subscriptions[subscription] as SubscriptionSpec | undefined)) {
      throw new Error(`unknown subscription '${subscription}'`);
    }
    const consumer: AmqpSubscription = new AmqpSubscription({
      manager: this.#manager,
      topology: this.#topology,
      subscription,
      handler,
      maxBatch: options.maxBatch ?? this.#prefetch,
      options,
      prefetch: positiveInteger(options.prefetch ?? this.#prefetch, 'prefetch'),
      maxAttempts: this.#maxAttempts,
      retryDelay: this.#retryDelay,
      publishTimeoutMs: this.#publishTimeoutMs,
      logger: this.#logger,
      adoptChannel: (channel, purpose) => this.#adoptChannel(channel, purpose),
      onClosed: () => this.#subscriptions.delete(consumer),
    });
    this.#subscriptions.add(consumer);
    try {
      await consumer.started();
    } catch (error) {
      await consumer.cancel();
      throw error;
    }
    this.#backlog.watch(stageQueuesOf(this.#topology, subscription));
    if (laneOf(this.#topology, subscription) !== undefined) this.#keepLaneChannelOpen();
    return consumer;
  }

  async subscribeBroadcast(broadcast: BroadcastName, handler: BroadcastHandler): Promise<Subscription> {
    if (this.#closed) throw new Error('the message bus is closed');
    if (!this.#topology.broadcasts[broadcast]) throw new Error(`unknown broadcast '${broadcast}'`);
    const subscriber: AmqpBroadcastSubscription = new AmqpBroadcastSubscription({
      manager: this.#manager,
      topology: this.#topology,
      broadcast,
      handler,
      logger: this.#logger,
      adoptChannel: (channel, purpose) => this.#adoptChannel(channel, purpose),
      onClosed: () => this.#subscriptions.delete(subscriber),
    });
    this.#subscriptions.add(subscriber);
    try {
      await subscriber.started();
    } catch (error) {
      await subscriber.cancel();
      throw error;
    }
    return subscriber;
  }

  async setTenantLane(subscription: LanedSubscription, tenant: string, lane: Lane): Promise<void> {
    const spec = (this.#topology.lanes as Record<string, LaneSpec | undefined>)[subscription];
    if (!spec) throw new Error(`subscription '${subscription}' has no lanes`);
    // With the channel open (it is opened when a laned stage is consumed), the bindings are sent from here, with no
    // await before them: ahead of whatever else this turn of the event loop does, such as the batch that found the
    // tenant over its limits. While a flood arrives, every millisecond before the binding is more of it on the main lane.
    const channel = this.#openLaneChannel() ?? (await this.#laneChannel());
    // amqplib sends a channel's calls one after another, each after the last one's reply: the documented spelling
    // goes first, so that the binding most publishers need takes effect after one round trip.
    await Promise.all(
      tenantLaneBindings(tenant).map((binding) =>
        lane === 'deferred' ? channel.bindQueue(spec.deferredQueue, spec.admission, '', binding) : channel.unbindQueue(spec.deferredQueue, spec.admission, '', binding),
      ),
    );
  }

  /** Opens the lane channel now and on every reconnect, so that the first demotion does not wait for a channel.open. */
  #keepLaneChannelOpen(): void {
    if (this.#lanesKeptOpen) return;
    this.#lanesKeptOpen = true;
    const open = () => void this.#laneChannel().catch(() => {});
    this.#manager.on('connect', open);
    open();
  }

  /** The lane channel, when it is open on the current connection. */
  #openLaneChannel(): Channel | undefined {
    const lanes = this.#lanes;
    return lanes !== undefined && lanes.connection === this.#manager.connection ? lanes.open : undefined;
  }

  /**
   * A channel of its own for binding and unbinding, kept open: a demotion should not wait behind
   * anything else, or for a channel to open, while a flood is arriving. A refused bind closes only
   * this channel; the next call opens another.
   */
  #laneChannel(): Promise<Channel> {
    const connection: ChannelModel | undefined = this.#manager.connection;
    if (this.#closed || !connection) return Promise.reject(new Error('not connected to RabbitMQ'));
    if (this.#lanes?.connection === connection) return this.#lanes.channel;
    const channel = connection.createChannel().then((opened) => {
      this.#adoptChannel(opened, 'tenant lanes', { recover: false });
      opened.on('close', () => {
        if (this.#lanes?.connection === connection) this.#lanes = undefined;
      });
      if (this.#lanes?.connection === connection) this.#lanes.open = opened;
      return opened;
    });
    channel.catch(() => {
      if (this.#lanes?.connection === connection) this.#lanes = undefined;
    });
    this.#lanes = { connection, channel };
    return channel;
  }

  async takeDeadLetters(subscription: SubscriptionName, max: number): Promise<DeadLetter[]> {
    const queue = this.#deadLetterQueueOf(subscription);
    if (max <= 0) return [];
    const connection: ChannelModel | undefined = this.#manager.connection;
    if (this.#closed || !connection) throw new Error('not connected to RabbitMQ');

    // A short-lived channel of its own: every message is acked on the channel that got it.
    const channel = await connection.createChannel();
    this.#adoptChannel(channel, 'dead letters', { recover: false });
    try {
      const taken: DeadLetter[] = [];
      while (taken.length < max) {
        const message = await channel.get(queue, { noAck: false });
        if (message === false) break;
        const headers = (message.properties.headers ?? {}) as Record<string, unknown>;
        taken.push(toDeadLetter(message.content, headers, message.fields.routingKey));
        channel.ack(message);
      }
      return taken;
    } finally {
      await channel.close().catch(() => {});
    }
  }

  isConnected(): boolean {
    return !this.#closed && this.#manager.isConnected();
  }

  /**
   * Cancels every subscription (waiting for the handlers in flight), waits for publishes still
   * awaiting their confirm (at most `publishTimeoutMs`), then closes the connection.
   */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    this.#closed = true;
    this.#topologyDeclared.reject(new Error('the message bus is closed'));
    await Promise.allSettled([...this.#subscriptions].map((subscription) => subscription.cancel()));
    await this.#backlog.stop();
    await Promise.allSettled([...this.#pendingPublishes]);
    await this.#manager.close();
    this.#logger.info('message bus closed');
  }

  async #setUpPublisher(channel: ConfirmChannel): Promise<void> {
    this.#adoptChannel(channel, 'publisher');
    this.#returned.watch(channel);
    try {
      await declareTopology(channel, this.#topology);
      this.#logger.debug('topology declared');
      this.#lastSetupError = undefined;
      this.#topologyDeclared.resolve();
    } catch (error) {
      this.#lastSetupError = error;
      // Not rethrown: the channel manager would only report it again; adoptChannel recovers.
      this.#logger.error({ err: error }, 'could not declare the topology');
    }
  }

  #deadLetterQueueOf(subscription: SubscriptionName): string {
    const spec = this.#topology.subscriptions[subscription] as SubscriptionSpec | undefined;
    const deadLetterQueue = spec && this.#topology.queues[spec.queue]?.deadLetterQueue;
    if (!deadLetterQueue) throw new Error(`subscription '${subscription}' has no dead-letter queue`);
    return deadLetterQueue;
  }

  /**
   * The broker closes a channel (not the connection) on a failed operation, e.g. publishing to an
   * exchange someone deleted. amqp-connection-manager only opens channels again on a new
   * connection, so such a channel would stay dead; reconnecting (after the usual delay, so a
   * persistent fault cannot spin) brings it back with the topology declared again. The error
   * listener also keeps amqplib from throwing an unhandled 'error' event.
   */
  #adoptChannel(channel: Channel, purpose: string, { recover = true } = {}): void {
    const connection = this.#manager.connection;
    channel.on('error', (error: unknown) => {
      if (this.#closed) return;
      if (!recover) {
        this.#logger.warn({ err: error, channel: purpose }, 'the broker closed a channel');
        return;
      }
      this.#logger.error({ err: error, channel: purpose }, 'the broker closed a channel; reconnecting to recover it');
      setTimeout(() => {
        // Only when no reconnect has happened meanwhile: that already replaced the channel.
        if (!this.#closed && connection !== undefined && this.#manager.connection === connection) this.#manager.reconnect();
      }, this.#reconnectDelayMs).unref();
    });
  }

  #watchConnection(): void {
    this.#manager.on('connect', ({ connection }: { connection: ChannelModel }) => {
      if (!coalesceSocketWrites(connection)) this.#logger.debug('amqplib is not built as expected; frames are written one by one');
      this.#connectFailureLogged = false;
      this.#lastConnectError = undefined;
      recordConnected(true);
      this.#logger.info({ url: this.#redactedUrl }, 'connected to RabbitMQ');
    });
    this.#manager.on('disconnect', ({ err }: { err?: unknown }) => {
      this.#failedConnects = 0;
      this.#scheduleNextReconnect();
      recordConnected(false);
      if (this.#closed) return;
      this.#logger.warn({ err, url: this.#redactedUrl }, 'disconnected from RabbitMQ; reconnecting');
    });
    this.#manager.on('connectFailed', ({ err }: { err: unknown }) => {
      this.#lastConnectError = err;
      this.#failedConnects += 1;
      this.#scheduleNextReconnect();
      if (this.#closed) return;
      // Once per outage: retries every reconnectDelayMs would flood the log.
      const level = this.#connectFailureLogged ? 'debug' : 'warn';
      this.#connectFailureLogged = true;
      this.#logger[level]({ err, url: this.#redactedUrl }, 'could not connect to RabbitMQ; retrying');
    });
    this.#manager.on('blocked', ({ reason }: { reason: string }) =>
      this.#logger.warn({ reason }, 'RabbitMQ is blocking publishes (resource alarm)'),
    );
    this.#manager.on('unblocked', () => this.#logger.info('RabbitMQ unblocked publishes'));
  }

  /**
   * Backoff with jitter. The manager reads `reconnectTimeInSeconds` right after it emits
   * 'disconnect' or 'connectFailed', so setting it in those listeners sets the coming wait.
   */
  #scheduleNextReconnect(): void {
    this.#manager.reconnectTimeInSeconds = reconnectWaitMs(this.#failedConnects, this.#reconnectDelayMs, this.#reconnectMaxDelayMs) / 1000;
  }

  #describePublishFailure(error: unknown): string {
    const message = error instanceof Error ? error.message : String(error);
    switch (message) {
      case 'timeout':
        return this.#manager.isConnected()
          ? `no confirm from the broker within ${this.#publishTimeoutMs} ms`
          : `not connected to the broker within ${this.#publishTimeoutMs} ms`;
      case 'message nacked':
        return 'the broker refused (nacked) the message';
      case 'channel closed':
      case 'Channel closed':
        return 'the channel closed before the broker confirmed';
      default:
        return message;
    }
  }
}

/**
 * The wait before the next connection attempt after `failedAttempts` failed ones: `base * 2^n`
 * capped at `max`, then "equal jitter" (between half and all of it) so that many workers
 * losing one broker do not all come back at the same instant.
 */
export function reconnectWaitMs(failedAttempts: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(baseMs * 2 ** Math.min(Math.max(failedAttempts, 0), 20), maxMs);
  return ceiling / 2 + random() * (ceiling / 2);
}

/** Credentials stay out of logs and error messages. */
function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable AMQP URL)';
  }
}
