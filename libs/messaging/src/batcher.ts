import type { BatchHandler, IncomingMessage } from './message-bus.ts';

export interface BatcherDeps<D> {
  maxBatch: number;
  handler: BatchHandler;
  toMessage(delivery: D): IncomingMessage;
  /** Carries out what becomes of one delivery once its outcome is known. */
  settle(delivery: D, message: IncomingMessage, outcome: Promise<void>): Promise<void>;
  onUnexpected(error: unknown): void;
  /** Counts a message as held by the consumer; the function it returns releases it. */
  hold(): () => void;
}

/**
 * Groups the deliveries a consumer has already received into batches for a {@link BatchHandler}.
 * It never waits for a batch to fill: deliveries that arrive in one turn of the event loop
 * (amqplib hands over everything one socket read brought) are flushed right after it, and with
 * `maxBatch` 1 each delivery is handled at once. Shared by the RabbitMQ and the in-memory bus.
 */
export class Batcher<D> {
  readonly #deps: BatcherDeps<D>;
  readonly #waiting: Array<{ delivery: D; release: () => void }> = [];
  readonly #inFlight = new Set<Promise<void>>();
  #flushScheduled = false;

  constructor(deps: BatcherDeps<D>) {
    this.#deps = { ...deps, maxBatch: Math.max(1, Math.floor(deps.maxBatch)) };
  }

  add(delivery: D): void {
    this.#waiting.push({ delivery, release: this.#deps.hold() });
    if (this.#deps.maxBatch === 1) {
      this.#flush();
      return;
    }
    this.#scheduleFlush();
  }

  #scheduleFlush(): void {
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    setImmediate(() => {
      this.#flushScheduled = false;
      this.#flushOne();
    });
  }

  /**
   * One batch per turn of the event loop: the commands of the first batch are written to the socket (and
   * their confirms can come back) while the next batch is being processed, rather than every batch's work
   * being done before anything goes out.
   */
  #flushOne(): void {
    // A drain may have taken everything since this turn was scheduled.
    if (this.#waiting.length === 0) return;
    this.#handle(this.#waiting.splice(0, this.#deps.maxBatch));
    if (this.#waiting.length > 0) this.#scheduleFlush();
  }

  /** Resolves once every delivery received so far is settled. */
  async drain(): Promise<void> {
    this.#flush();
    while (this.#inFlight.size > 0) {
      await Promise.allSettled([...this.#inFlight]);
    }
  }

  #flush(): void {
    while (this.#waiting.length > 0) this.#handle(this.#waiting.splice(0, this.#deps.maxBatch));
  }

  #handle(batch: Array<{ delivery: D; release: () => void }>): void {
    const messages = batch.map(({ delivery }) => this.#deps.toMessage(delivery));
    let outcomes: ReadonlyArray<Promise<void>>;
    try {
      outcomes = this.#deps.handler(messages);
    } catch (error) {
      outcomes = messages.map(() => Promise.reject(error));
    }
    batch.forEach(({ delivery, release }, index) => {
      const outcome = outcomes[index] ?? Promise.reject(new Error('the batch handler returned no outcome for this message'));
      const work: Promise<void> = this.#deps
        .settle(delivery, messages[index]!, outcome)
        .catch((error: unknown) => this.#deps.onUnexpected(error))
        .finally(() => {
          release();
          this.#inFlight.delete(work);
        });
      this.#inFlight.add(work);
    });
  }
}
