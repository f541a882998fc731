import { randomUUID } from 'node:crypto';
import amqplib from 'amqplib';
import { replayHeaders, toDeadLetter } from './delivery-policy.ts';
import type { DeadLetter } from './message-bus.ts';
import { HEADERS, type SubscriptionName, type Topology } from './topology.ts';
import { ReturnedMessages } from './returned-messages.ts';
import { assertPublishable } from './wire-limits.ts';

export interface DeadLetterAdminOptions {
  url: string;
  topology: Topology;
  /** Shown in the broker's connection list. @defaultValue `flowline dlq <namespace>` */
  connectionName?: string;
}

export interface PeekedDeadLetter extends DeadLetter {
  messageId?: string;
  correlationId?: string;
}

/** Called after each replayed dead letter: how many are done, of how many this replay takes. */
export type ReplayProgress = (done: number, total: number) => void;

/**
 * What an operator does with dead letters, on RabbitMQ ({@link DeadLetterAdmin}) and on the
 * in-process bus alike (`InMemoryBus.deadLetters()`, served by the api's admin routes).
 */
export interface DeadLetterQueues {
  /** Messages waiting in a subscription's dead-letter queue. */
  count(subscription: SubscriptionName): Promise<number>;
  /** Up to `limit` dead letters, oldest first, left in the queue. */
  peek(subscription: SubscriptionName, limit: number): Promise<PeekedDeadLetter[]>;
  /** Republishes up to `limit` of those waiting now, with a fresh set of attempts; returns them. */
  replay(subscription: SubscriptionName, limit: number, onProgress?: ReplayProgress): Promise<PeekedDeadLetter[]>;
  /** Deletes up to `limit` dead letters, or all of them without a limit; returns how many. */
  purge(subscription: SubscriptionName, limit?: number): Promise<number>;
  close(): Promise<void>;
}

/**
 * Operator access to the dead-letter queues (the `npm run dlq` tool): look at dead letters
 * without taking them, replay them through the publication they first came in by, or purge
 * them. Every dead letter is acked only after what replaces it is confirmed, so an interrupted
 * replay leaves a message in the dead-letter queue (and a second replay is harmless: effects are
 * idempotent by event and command id), never nowhere.
 */
export class DeadLetterAdmin implements DeadLetterQueues {
  readonly #options: DeadLetterAdminOptions;
  #connection: amqplib.ChannelModel | undefined;

  constructor(options: DeadLetterAdminOptions) {
    this.#options = options;
  }

  /** Up to `limit` dead letters, oldest first, left in the queue. */
  async peek(subscription: SubscriptionName, limit: number): Promise<PeekedDeadLetter[]> {
    const channel = await this.#channel();
    try {
      const seen: PeekedDeadLetter[] = [];
      while (seen.length < limit) {
        const message = await channel.get(this.queueOf(subscription), { noAck: false });
        if (message === false) break;
        seen.push(toPeeked(message));
      }
      // Unacked: closing the channel hands every one of them back.
      return seen;
    } finally {
      await channel.close().catch(() => {});
    }
  }

  /**
   * Republishes up to `limit` dead letters with a fresh set of attempts; returns them. Only
   * those in the queue when the replay starts: one that fails again comes back to the queue,
   * and must wait for the next replay rather than go round for ever. Each copy is marked with
   * this run's id, and the run stops at the first dead letter that carries it: the queue is
   * FIFO, so everything before it has been replayed. (A message count taken at the start is no
   * bound: a quorum queue may not yet count a message that a peek just handed back.)
   */
  async replay(subscription: SubscriptionName, limit: number, onProgress?: ReplayProgress): Promise<PeekedDeadLetter[]> {
    const { topology } = this.#options;
    const exchange = topology.publications[topology.subscriptions[subscription].replayTo].exchange;
    const channel = await this.#channel();
    const returned = new ReturnedMessages();
    returned.watch(channel);
    try {
      // For progress reports only (see above).
      const { messageCount } = await channel.checkQueue(this.queueOf(subscription));
      const run = randomUUID();
      const replayed: PeekedDeadLetter[] = [];
      while (replayed.length < limit) {
        const message = await channel.get(this.queueOf(subscription), { noAck: false });
        if (message === false) break;
        // Left unacked: closing the channel gives it back for the next run.
        if (message.properties.headers?.[HEADERS.replayRun] === run) break;
        const deadLetter = toPeeked(message);
        const { properties } = message;
        const { id, options } = returned.mandatory({
          persistent: true,
          contentType: properties.contentType ?? 'application/json',
          messageId: properties.messageId,
          correlationId: properties.correlationId,
          timestamp: properties.timestamp,
          headers: { ...replayHeaders(deadLetter.headers), [HEADERS.replayRun]: run },
        });
        assertPublishable(exchange, deadLetter.routingKey, message.content, options, { checkBodySize: false });
        channel.publish(exchange, deadLetter.routingKey, message.content, options);
        await channel.waitForConfirms();
        // Unroutable: stop with the dead letter unacked, so closing the channel gives it back.
        if (returned.wasReturned(id)) throw new Error(`replay of ${properties.messageId ?? 'a dead letter'} was returned: no queue is bound to ${exchange}`);
        channel.ack(message);
        replayed.push(deadLetter);
        onProgress?.(replayed.length, Math.min(limit, Math.max(messageCount, replayed.length)));
      }
      return replayed;
    } finally {
      await channel.close().catch(() => {});
    }
  }

  /** Deletes up to `limit` dead letters, or all of them without a limit; returns how many. */
  async purge(subscription: SubscriptionName, limit?: number): Promise<number> {
    const channel = await this.#channel();
    try {
      if (limit === undefined) return (await channel.purgeQueue(this.queueOf(subscription))).messageCount;
      let purged = 0;
      while (purged < limit) {
        const message = await channel.get(this.queueOf(subscription), { noAck: false });
        if (message === false) break;
        channel.ack(message);
        purged += 1;
      }
      return purged;
    } finally {
      await channel.close().catch(() => {});
    }
  }

  /** Messages waiting in a subscription's dead-letter queue. */
  async count(subscription: SubscriptionName): Promise<number> {
    const channel = await this.#channel();
    try {
      return (await channel.checkQueue(this.queueOf(subscription))).messageCount;
    } finally {
      await channel.close().catch(() => {});
    }
  }

  queueOf(subscription: SubscriptionName): string {
    const { topology } = this.#options;
    const queue = topology.queues[topology.subscriptions[subscription].queue]?.deadLetterQueue;
    if (queue === undefined) throw new Error(`subscription '${subscription}' has no dead-letter queue`);
    return queue;
  }

  async close(): Promise<void> {
    await this.#connection?.close().catch(() => {});
    this.#connection = undefined;
  }

  async #channel(): Promise<amqplib.ConfirmChannel> {
    this.#connection ??= await amqplib.connect(this.#options.url, {
      clientProperties: { connection_name: this.#options.connectionName ?? `flowline dlq ${this.#options.topology.namespace}` },
    });
    const channel = await this.#connection.createConfirmChannel();
    // A failed operation (e.g. a missing queue) closes the channel; the caller sees the rejection.
    channel.on('error', () => {});
    return channel;
  }
}

function toPeeked(message: amqplib.GetMessage): PeekedDeadLetter {
  const headers = (message.properties.headers ?? {}) as Record<string, unknown>;
  return {
    ...toDeadLetter(message.content, headers, message.fields.routingKey),
    messageId: message.properties.messageId ?? undefined,
    correlationId: message.properties.correlationId ?? undefined,
  };
}
