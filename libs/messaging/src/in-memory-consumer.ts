import type { Logger } from '@flowline/observability';
import { holdMessage, recordDeadLetter, recordPrefetch, recordRetry, traceIdOf } from './delivery-metrics.ts';
import { DELIVERY_COUNT_HEADER, deliveryCountOf, originalRoutingKeyOf, settlementAfterFailure, type RetryDelayOptions, type Settlement } from './delivery-policy.ts';
import { DeferMessage } from './errors.ts';
import { notifyGiveUp } from './give-up.ts';
import { Batcher } from './batcher.ts';
import type { BatchHandler, IncomingMessage, SubscribeOptions, Subscription } from './message-bus.ts';
import type { QueueSpec } from './topology.ts';

/** A message as it sits in an in-memory queue. */
export interface QueuedMessage {
  exchange: string;
  routingKey: string;
  content: Buffer;
  headers: Record<string, unknown>;
  messageId?: string;
  correlationId?: string;
  /** When it was first published, ms since the epoch. */
  publishedAt?: number;
  /** Deliveries so far, what a quorum queue tracks as x-delivery-count. */
  deliveries: number;
}

export interface InMemoryConsumerDeps {
  queue: QueueSpec;
  handler: BatchHandler;
  /** Most deliveries handed to the handler at once. */
  maxBatch: number;
  options?: SubscribeOptions | undefined;
  prefetch: number;
  maxAttempts: number;
  retryDelay: RetryDelayOptions;
  logger: Logger;
  /** Parks a failed message for its delay, then puts it back at the end of its queue, as a retry queue does. */
  retry(message: QueuedMessage, settlement: Extract<Settlement, { action: 'retry' }>): void;
  deadLetter(message: QueuedMessage, settlement: Extract<Settlement, { action: 'dead-letter' }>): void;
  /** Copies the message to its stage's deferred lane (a subscription with lanes only). */
  defer?(message: QueuedMessage): void;
  /** A slot freed up: the queue may deliver the next message. */
  onSettled(): void;
  /** Stop delivering to this consumer. */
  onCancel(): void;
}

/**
 * One subscription of the in-memory bus: runs up to `prefetch` handler calls at once and
 * settles each message as the RabbitMQ consumer would.
 */
export class InMemoryConsumer implements Subscription {
  readonly #deps: InMemoryConsumerDeps;
  readonly #batcher: Batcher<QueuedMessage>;
  /** Delivered and not yet settled: what prefetch bounds. */
  #held = 0;
  #cancelled: Promise<void> | undefined;

  constructor(deps: InMemoryConsumerDeps) {
    this.#deps = deps;
    recordPrefetch(deps.queue.name, deps.prefetch);
    this.#batcher = new Batcher({
      maxBatch: deps.maxBatch,
      handler: deps.handler,
      toMessage: toIncomingMessage,
      settle: (queued, message, outcome) => this.#settleAfter(queued, message, outcome),
      onUnexpected: (error) => this.#deps.logger.error({ err: error }, 'message processing failed unexpectedly'),
      hold: () => {
        this.#held += 1;
        const release = holdMessage(deps.queue.name);
        return () => {
          this.#held -= 1;
          release();
          this.#deps.onSettled();
        };
      },
    });
  }

  get hasCapacity(): boolean {
    return this.#cancelled === undefined && this.#held < this.#deps.prefetch;
  }

  /** Takes ownership of the message until it is settled. */
  deliver(message: QueuedMessage): void {
    message.deliveries += 1;
    this.#batcher.add(message);
  }

  cancel(): Promise<void> {
    this.#cancelled ??= this.#cancel();
    return this.#cancelled;
  }

  async #cancel(): Promise<void> {
    this.#deps.onCancel();
    await this.#batcher.drain();
  }

  async #settleAfter(queued: QueuedMessage, message: IncomingMessage, outcome: Promise<void>): Promise<void> {
    let failure: unknown;
    try {
      await outcome;
      return;
    } catch (error) {
      failure = error;
    }
    if (failure instanceof DeferMessage && this.#deps.defer) {
      this.#deps.defer(queued);
      return;
    }

    // The headers as queued, not as the handler saw them: nothing it did to its copy reaches the retry or dead letter.
    const settlement = settlementAfterFailure(
      failure,
      { headers: { ...queued.headers }, deliveryCount: message.deliveryCount, exchange: queued.exchange, routingKey: queued.routingKey },
      this.#deps.queue,
      this.#deps,
    );
    if (settlement.action === 'retry') {
      this.#deps.logger.debug(
        { reason: settlement.reason, deliveryCount: settlement.attempts, delayMs: settlement.delayMs, messageId: message.messageId, trace_id: traceIdOf(message.headers) },
        'handler failed; message parked for a retry',
      );
      recordRetry(this.#deps.queue.name);
      this.#deps.retry(queued, settlement);
      return;
    }
    await notifyGiveUp(this.#deps.options, message, { reason: settlement.reason, attempts: settlement.attempts, permanent: settlement.permanent }, this.#deps.logger);
    recordDeadLetter(this.#deps.queue.name, failure);
    this.#deps.deadLetter(queued, settlement);
  }
}

/** Copies, so that a handler changing its message cannot change what is redelivered. */
function toIncomingMessage(queued: QueuedMessage): IncomingMessage {
  const headers: Record<string, unknown> = { ...queued.headers };
  // Mirrors a quorum queue, which adds the counter from the second delivery on.
  if (queued.deliveries > 1) headers[DELIVERY_COUNT_HEADER] = queued.deliveries - 1;
  return {
    routingKey: originalRoutingKeyOf(headers, queued.routingKey),
    content: Buffer.from(queued.content),
    headers,
    messageId: queued.messageId,
    correlationId: queued.correlationId,
    deliveryCount: deliveryCountOf(headers),
    ...(queued.publishedAt === undefined ? {} : { publishedAt: queued.publishedAt }),
  };
}
