import type { AmqpConnectionManager, ChannelWrapper } from 'amqp-connection-manager';
import type { Channel, ConfirmChannel, ConsumeMessage, Options } from 'amqplib';
import type { Logger } from '@flowline/observability';
import { declareTopology } from './declare-topology.ts';
import { holdMessage, publishedAtOf, recordConsumed, recordDeadLetter, recordPrefetch, recordRetry, traceIdOf } from './delivery-metrics.ts';
import { deferralHeaders, deliveryCountOf, originalRoutingKeyOf, settlementAfterFailure, type RetryDelayOptions, type Settlement } from './delivery-policy.ts';
import { DeferMessage } from './errors.ts';
import { Batcher } from './batcher.ts';
import type { BatchHandler, IncomingMessage, SubscribeOptions, Subscription } from './message-bus.ts';
import { notifyGiveUp } from './give-up.ts';
import { HEADERS, laneOf, queueSpecOf, type LaneSpec, type QueueSpec, type SubscriptionName, type Topology } from './topology.ts';
import { ReturnedMessages } from './returned-messages.ts';
import { assertPublishable, fallbackCopyHeaders, isPublishable } from './wire-limits.ts';

export interface AmqpSubscriptionDeps {
  manager: AmqpConnectionManager;
  topology: Topology;
  subscription: SubscriptionName;
  handler: BatchHandler;
  /** Most deliveries handed to the handler at once. */
  maxBatch: number;
  options?: SubscribeOptions | undefined;
  prefetch: number;
  maxAttempts: number;
  retryDelay: RetryDelayOptions;
  /** Bounds the wait for the broker's confirm of a dead-letter copy. */
  publishTimeoutMs: number;
  logger: Logger;
  /** Called with every new underlying channel before it is used (error handling, recovery). */
  adoptChannel(channel: Channel, purpose: string): void;
  /** Called once the subscription is cancelled and its channel closed. */
  onClosed(): void;
}

/**
 * One consumer on its own channel. The consumer is started by a channel setup function, so the
 * connection manager starts it again on every reconnect; each message is settled on the very
 * channel that delivered it, because a delivery tag means nothing on a later channel (and acking
 * one there makes the broker close that channel).
 */
export class AmqpSubscription implements Subscription {
  readonly #deps: AmqpSubscriptionDeps;
  readonly #queue: string;
  readonly #queueSpec: QueueSpec;
  readonly #retryExchange: string;
  readonly #deadLetterExchange: string;
  readonly #deferralExchange: string;
  readonly #lane: LaneSpec | undefined;
  readonly #logger: Logger;
  readonly #wrapper: ChannelWrapper;
  readonly #returned = new ReturnedMessages();
  readonly #batcher: Batcher<{ channel: ConfirmChannel; raw: ConsumeMessage }>;
  readonly #firstSetup = Promise.withResolvers<void>();
  #consumer: { channel: ConfirmChannel; consumerTag: string } | undefined;
  #cancelling = false;
  #cancelled: Promise<void> | undefined;

  constructor(deps: AmqpSubscriptionDeps) {
    this.#deps = deps;
    this.#queue = deps.topology.subscriptions[deps.subscription].queue;
    this.#queueSpec = queueSpecOf(deps.topology, this.#queue);
    this.#retryExchange = deps.topology.exchanges.retry.name;
    this.#deadLetterExchange = deps.topology.exchanges.deadLetter.name;
    this.#deferralExchange = deps.topology.exchanges.deferral.name;
    this.#lane = laneOf(deps.topology, deps.subscription);
    this.#logger = deps.logger.child({ subscription: deps.subscription, queue: this.#queue });
    this.#batcher = new Batcher({
      maxBatch: deps.maxBatch,
      handler: deps.handler,
      toMessage: ({ raw }) => toIncomingMessage(raw),
      settle: ({ channel, raw }, message, outcome) => this.#settleAfter(channel, raw, message, outcome),
      onUnexpected: (error) => this.#logger.error({ err: error }, 'message processing failed unexpectedly'),
      hold: () => holdMessage(this.#queue),
    });
    // Nobody may be waiting for the first setup (it can end after subscribe() returned).
    this.#firstSetup.promise.catch(() => {});
    this.#wrapper = deps.manager.createChannel({
      name: `subscription ${deps.subscription}`,
      confirm: true,
      setup: (channel: ConfirmChannel) => this.#setup(channel),
    });
    this.#wrapper.on('error', (error: unknown) => {
      this.#logger.error({ err: error }, 'subscription channel could not be opened');
      this.#firstSetup.reject(error);
    });
  }

  /**
   * Resolves once the consumer is running, or at once when the broker is not connected (the
   * consumer then starts on the next connect). Rejects when setting the consumer up failed.
   */
  async started(): Promise<void> {
    const { manager } = this.#deps;
    if (!manager.isConnected()) return;
    let onDisconnect = (): void => {};
    const disconnected = new Promise<void>((resolve) => {
      onDisconnect = () => resolve();
      manager.once('disconnect', onDisconnect);
    });
    try {
      await Promise.race([this.#firstSetup.promise, disconnected]);
    } finally {
      manager.removeListener('disconnect', onDisconnect);
    }
  }

  cancel(): Promise<void> {
    this.#cancelled ??= this.#cancel();
    return this.#cancelled;
  }

  async #cancel(): Promise<void> {
    this.#cancelling = true;
    const consumer = this.#consumer;
    this.#consumer = undefined;
    if (consumer) {
      try {
        await consumer.channel.cancel(consumer.consumerTag);
      } catch {
        // The channel is already gone, and the consumer with it.
      }
    }
    await this.#batcher.drain();
    try {
      await this.#wrapper.close();
    } catch {
      // Closing a channel the broker already closed: nothing left to release.
    }
    this.#deps.onClosed();
  }

  async #setup(channel: ConfirmChannel): Promise<void> {
    if (this.#cancelling) return;
    this.#deps.adoptChannel(channel, `subscription ${this.#deps.subscription}`);
    this.#returned.watch(channel);
    await this.#startConsuming(channel);
  }

  async #startConsuming(channel: ConfirmChannel): Promise<void> {
    try {
      await declareTopology(channel, this.#deps.topology);
      await channel.prefetch(this.#deps.prefetch);
      recordPrefetch(this.#queue, this.#deps.prefetch);
      const { consumerTag } = await channel.consume(this.#queue, (message) => this.#onDelivery(channel, message), {
        noAck: false,
      });
      this.#consumer = { channel, consumerTag };
      this.#logger.debug('consuming');
      this.#firstSetup.resolve();
    } catch (error) {
      // Not rethrown: the channel manager would only report it again. A broken channel is
      // recovered by reconnecting (see adoptChannel), which runs this setup again.
      if (isChannelGone(error)) {
        // started() settles on the disconnect instead; the next connect sets up again.
        this.#logger.debug({ err: error }, 'connection lost while starting to consume');
        return;
      }
      this.#logger.error({ err: error }, 'could not start consuming');
      this.#firstSetup.reject(error);
    }
  }

  #onDelivery(channel: ConfirmChannel, raw: ConsumeMessage | null): void {
    if (raw === null) {
      // The broker cancelled the consumer, e.g. because the queue was deleted: declare it again
      // and go on consuming rather than sit idle until the next reconnect.
      this.#consumer = undefined;
      if (this.#cancelling) return;
      this.#logger.warn('the broker cancelled the consumer; declaring the topology and consuming again');
      void this.#startConsuming(channel);
      return;
    }
    if (this.#cancelling) {
      // Arrived between cancel() and the broker's cancel-ok: give it back untouched.
      this.#settle(channel, raw, 'requeue');
      return;
    }
    recordConsumed(this.#queue, raw.properties);
    this.#batcher.add({ channel, raw });
  }

  /** Settles one delivery once the handler's promise for it has settled. */
  async #settleAfter(channel: ConfirmChannel, raw: ConsumeMessage, message: IncomingMessage, outcome: Promise<void>): Promise<void> {
    let failure: unknown;
    try {
      await outcome;
      this.#settle(channel, raw, 'ack');
      return;
    } catch (error) {
      failure = error;
    }
    if (failure instanceof DeferMessage && this.#lane !== undefined) {
      await this.#defer(channel, raw, this.#lane);
      return;
    }

    const settlement = settlementAfterFailure(
      failure,
      { headers: headersOf(raw), deliveryCount: message.deliveryCount, exchange: raw.fields.exchange, routingKey: raw.fields.routingKey },
      this.#queueSpec,
      this.#deps,
    );
    if (settlement.action === 'retry') {
      await this.#retry(channel, raw, settlement);
      return;
    }
    await notifyGiveUp(this.#deps.options, message, { reason: settlement.reason, attempts: settlement.attempts, permanent: settlement.permanent }, this.#logger);
    await this.#deadLetter(channel, raw, settlement, failure);
  }

  /**
   * Parks a copy in the retry queue for its delay and acks the original once the broker has
   * confirmed the copy: the consumer's slot is free meanwhile, and the broker, not this process,
   * holds the wait, so it survives a crash or a restart of the consumer.
   */
  async #retry(channel: ConfirmChannel, raw: ConsumeMessage, settlement: Extract<Settlement, { action: 'retry' }>): Promise<void> {
    const { reason, attempts, queue: retryQueue, delayMs, headers } = settlement;
    const context = { reason, retryQueue, delayMs, attempts, messageId: raw.properties.messageId, trace_id: traceIdOf(headers) };
    if (await this.#copyThenAck(channel, raw, this.#retryExchange, retryQueue, headers, context)) {
      this.#logger.info(context, 'handler failed; message parked for a retry');
      recordRetry(this.#queue);
    }
  }

  /** Copies the message to its stage's deferred lane and acks the original once the copy is confirmed. */
  async #defer(channel: ConfirmChannel, raw: ConsumeMessage, lane: LaneSpec): Promise<void> {
    const headers = deferralHeaders(headersOf(raw), { originalExchange: raw.fields.exchange, originalRoutingKey: raw.fields.routingKey });
    const context = { messageId: raw.properties.messageId, deferredQueue: lane.deferredQueue, trace_id: traceIdOf(headers) };
    if (await this.#copyThenAck(channel, raw, this.#deferralExchange, lane.deferredQueue, headers, context)) {
      this.#logger.debug(context, 'message deferred to the later lane');
    }
  }

  async #deadLetter(channel: ConfirmChannel, raw: ConsumeMessage, settlement: Extract<Settlement, { action: 'dead-letter' }>, failure: unknown): Promise<void> {
    const { reason, attempts, headers } = settlement;
    const context = {
      reason,
      routingKey: originalRoutingKeyOf(headers, raw.fields.routingKey),
      messageId: raw.properties.messageId,
      attempts,
      trace_id: traceIdOf(headers),
    };
    if (await this.#copyThenAck(channel, raw, this.#deadLetterExchange, this.#queue, headers, context)) {
      this.#logger.warn(context, 'message dead-lettered');
      recordDeadLetter(this.#queue, failure);
    }
  }

  /** Publishes a copy, confirmed, then acks the original; on failure requeues it and returns false. */
  async #copyThenAck(
    channel: ConfirmChannel,
    raw: ConsumeMessage,
    exchange: string,
    routingKey: string,
    headers: Record<string, unknown>,
    context: Record<string, unknown>,
  ): Promise<boolean> {
    let { id, options } = this.#returned.mandatory(copyOptions(raw, headers));
    try {
      if (!isPublishable(exchange, routingKey, raw.content, options)) {
        // Headers from a publisher outside Flowline too large to copy: keep ours, drop theirs.
        this.#returned.forget(id);
        ({ id, options } = this.#returned.mandatory(copyOptions(raw, fallbackCopyHeaders(headers))));
        this.#logger.warn({ ...context, dropped: options.headers?.[HEADERS.headersDropped] }, 'message headers too large to copy; the copy keeps only Flowline headers');
      }
      // Never hand the raw confirm channel a publish it would throw on half-way (wire-limits.ts).
      assertPublishable(exchange, routingKey, raw.content, options, { checkBodySize: false });
      await publishConfirmed(channel, exchange, routingKey, raw.content, options, this.#deps.publishTimeoutMs);
      // Acking the original after a copy that went nowhere would lose the message.
      if (this.#returned.wasReturned(id)) throw new Error(`no queue is bound to ${exchange} for '${routingKey}'`);
    } catch (error) {
      this.#returned.forget(id);
      // Keep the message rather than lose it: the broker delivers it again (and counts that).
      this.#logger.error({ ...context, err: error }, `could not publish to ${exchange}; requeueing the message`);
      this.#settle(channel, raw, 'requeue');
      return false;
    }
    this.#settle(channel, raw, 'ack');
    return true;
  }

  #settle(channel: ConfirmChannel, raw: ConsumeMessage, how: 'ack' | 'requeue'): void {
    try {
      if (how === 'ack') channel.ack(raw);
      else channel.nack(raw, false, true);
    } catch (error) {
      // The channel closed under us; the broker has already requeued the message.
      this.#logger.debug({ err: error, messageId: raw.properties.messageId, how }, 'could not settle; the channel is gone');
    }
  }
}

/** The connection dropped mid-setup: routine, the next connect sets up again. */
function isChannelGone(error: unknown): boolean {
  return error instanceof Error && (error.name === 'IllegalOperationError' || /^Channel (ended|closed)/.test(error.message));
}

/** The properties of a copy (retry or dead letter) of a delivered message, with new headers. */
function copyOptions(raw: ConsumeMessage, headers: Record<string, unknown>): Options.Publish {
  const { properties } = raw;
  return {
    persistent: true,
    contentType: properties.contentType ?? 'application/json',
    contentEncoding: properties.contentEncoding,
    messageId: properties.messageId,
    correlationId: properties.correlationId,
    timestamp: properties.timestamp,
    type: properties.type,
    appId: properties.appId,
    headers,
  };
}

export function toIncomingMessage(raw: ConsumeMessage): IncomingMessage {
  const headers = headersOf(raw);
  const publishedAt = publishedAtOf(raw.properties);
  return {
    routingKey: originalRoutingKeyOf(headers, raw.fields.routingKey),
    content: raw.content,
    headers,
    messageId: raw.properties.messageId ?? undefined,
    correlationId: raw.properties.correlationId ?? undefined,
    deliveryCount: deliveryCountOf(headers, raw.fields.redelivered),
    ...(publishedAt === undefined ? {} : { publishedAt }),
  };
}

/** A fresh copy each time, so what a handler does to its headers never reaches a dead letter. */
function headersOf(raw: ConsumeMessage): Record<string, unknown> {
  const headers: unknown = raw.properties.headers;
  return typeof headers === 'object' && headers !== null ? { ...(headers as Record<string, unknown>) } : {};
}

/** Publishes on a raw confirm channel and waits for the broker's ack, nack or the timeout. */
function publishConfirmed(
  channel: ConfirmChannel,
  exchange: string,
  routingKey: string,
  content: Buffer,
  options: Options.Publish,
  timeoutMs: number,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no confirm within ${timeoutMs} ms`)), timeoutMs);
    try {
      channel.publish(exchange, routingKey, content, options, (error) => {
        clearTimeout(timer);
        if (error) reject(error instanceof Error ? error : new Error(String(error)));
        else resolve();
      });
    } catch (error) {
      clearTimeout(timer);
      reject(error);
    }
  });
}
