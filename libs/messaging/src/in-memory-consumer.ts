import type { Logger } from '@flowline/observability';
import { holdMessage, recordDeadLetter, recordPrefetch, recordRetry, traceIdOf } from './delivery-metrics.ts';
import { decideAfterFailure, DELIVERY_COUNT_HEADER, deliveryCountOf, originalRoutingKeyOf, type RetryDelayOptions } from './delivery-policy.ts';
import { notifyGiveUp } from './give-up.ts';
import type { IncomingMessage, MessageHandler, SubscribeOptions, Subscription } from './message-bus.ts';
import { retryQueueFor, type QueueSpec } from './topology.ts';

/** A message as it sits in an in-memory queue. */
export interface QueuedMessage {
  exchange: string;
  routingKey: string;
  content: Buffer;
  headers: Record<string, unknown>;
  messageId?: string;
  correlationId?: string;
  /** Deliveries so far, what a quorum queue tracks as x-delivery-count. */
  deliveries: number;
}

export interface InMemoryConsumerDeps {
  queue: QueueSpec;
  handler: MessageHandler;
  options?: SubscribeOptions | undefined;
  prefetch: number;
  maxAttempts: number;
  retryDelay: RetryDelayOptions;
  logger: Logger;
  /** Parks a failed message for `delayMs`, then puts it back at the end of its queue, as a retry queue does. */
  retry(message: QueuedMessage, reason: string, attempts: number, delayMs: number): void;
  deadLetter(message: QueuedMessage, reason: string, attempts: number): void;
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
  readonly #inFlight = new Set<Promise<void>>();
  #cancelled: Promise<void> | undefined;

  constructor(deps: InMemoryConsumerDeps) {
    this.#deps = deps;
    recordPrefetch(deps.queue.name, deps.prefetch);
  }

  get hasCapacity(): boolean {
    return this.#cancelled === undefined && this.#inFlight.size < this.#deps.prefetch;
  }

  /** Takes ownership of the message until it is settled. */
  deliver(message: QueuedMessage): void {
    message.deliveries += 1;
    const release = holdMessage(this.#deps.queue.name);
    const work: Promise<void> = this.#process(message)
      .catch((error: unknown) => this.#deps.logger.error({ err: error }, 'message processing failed unexpectedly'))
      .finally(() => {
        release();
        this.#inFlight.delete(work);
        this.#deps.onSettled();
      });
    this.#inFlight.add(work);
  }

  cancel(): Promise<void> {
    this.#cancelled ??= this.#cancel();
    return this.#cancelled;
  }

  async #cancel(): Promise<void> {
    this.#deps.onCancel();
    while (this.#inFlight.size > 0) {
      await Promise.allSettled([...this.#inFlight]);
    }
  }

  async #process(queued: QueuedMessage): Promise<void> {
    const message = toIncomingMessage(queued);
    let failure: unknown;
    try {
      await this.#deps.handler(message);
      return;
    } catch (error) {
      failure = error;
    }

    const outcome = decideAfterFailure(failure, message.deliveryCount, this.#deps.maxAttempts, this.#deps.retryDelay);
    const retryQueue = outcome.action === 'retry' ? retryQueueFor(this.#deps.queue, message.deliveryCount) : undefined;
    if (retryQueue !== undefined) {
      this.#deps.logger.debug(
        { reason: outcome.reason, deliveryCount: message.deliveryCount, delayMs: retryQueue.delayMs, messageId: message.messageId, trace_id: traceIdOf(message.headers) },
        'handler failed; message parked for a retry',
      );
      recordRetry(this.#deps.queue.name);
      this.#deps.retry(queued, outcome.reason, message.deliveryCount, retryQueue.delayMs);
      return;
    }
    const permanent = outcome.action === 'dead-letter' && outcome.permanent;
    await notifyGiveUp(this.#deps.options, message, { reason: outcome.reason, attempts: message.deliveryCount, permanent }, this.#deps.logger);
    recordDeadLetter(this.#deps.queue.name, failure);
    this.#deps.deadLetter(queued, outcome.reason, message.deliveryCount);
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
  };
}
