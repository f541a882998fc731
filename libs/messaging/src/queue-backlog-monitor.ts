import type { Channel, ChannelModel } from 'amqplib';
import { metrics, type Logger } from '@flowline/observability';
import { lastConsumedPublishedAt } from './delivery-metrics.ts';
import type { StageQueues } from './stage-queues.ts';

export interface QueueBacklogMonitorOptions {
  /** The bus's connection right now; undefined while disconnected (a poll is then skipped). */
  connection(): ChannelModel | undefined;
  /** Called with the monitor's channel when it is opened (error handling, as for the bus's other channels). */
  adoptChannel(channel: Channel): void;
  /** @defaultValue 5000 */
  intervalMs?: number;
  logger: Logger;
}

/**
 * Reports the backlog of the work queues this process consumes from: every `intervalMs`, a
 * passive `queue.declare` per queue (which needs no broker permission and touches no message)
 * on a channel of its own, never on the consumers' or the publisher's. It sets
 * `flowline_queue_messages_ready` and `flowline_queue_oldest_message_age_seconds` (see their help
 * text in libs/observability for how the age is estimated).
 *
 * A poll that fails (the connection dropped, a queue missing) is logged at debug and the next
 * one opens a fresh channel; the gauges keep their last values meanwhile, and the broker
 * connection metric tells the outage.
 */
export class QueueBacklogMonitor {
  readonly #options: QueueBacklogMonitorOptions;
  readonly #stages = new Map<string, string>();
  #channel: Channel | undefined;
  #timer: NodeJS.Timeout | undefined;
  #polling: Promise<void> | undefined;
  #stopped = false;

  constructor(options: QueueBacklogMonitorOptions) {
    this.#options = options;
  }

  /** Adds a stage's queues to those polled; the first call starts polling. Idempotent. */
  watch({ stage, queues }: StageQueues): void {
    if (this.#stopped) return;
    for (const queue of queues) this.#stages.set(queue, stage);
    if (this.#timer) return;
    this.#timer = setInterval(() => {
      this.#polling ??= this.poll().finally(() => (this.#polling = undefined));
    }, this.#options.intervalMs ?? 5000);
    // Metrics must never keep a finished process alive.
    this.#timer.unref();
    this.#polling ??= this.poll().finally(() => (this.#polling = undefined));
  }

  /** One poll of every watched queue now. */
  async poll(): Promise<void> {
    try {
      const channel = await this.#openChannel();
      if (!channel) return;
      const gauges = metrics();
      for (const [queue, stage] of this.#stages) {
        const { messageCount } = await channel.checkQueue(queue);
        gauges.queueMessagesReady.set({ queue, stage }, messageCount);
        const publishedAt = lastConsumedPublishedAt(queue);
        if (messageCount === 0) gauges.queueOldestMessageAgeSeconds.set({ queue, stage }, 0);
        else if (publishedAt !== undefined) gauges.queueOldestMessageAgeSeconds.set({ queue, stage }, Math.max(0, (Date.now() - publishedAt) / 1000));
        // Messages wait but their age is unknown: no series rather than a stale 0.
        else gauges.queueOldestMessageAgeSeconds.remove({ queue, stage });
      }
    } catch (error) {
      this.#channel = undefined;
      this.#options.logger.debug({ err: error }, 'queue backlog poll failed; trying again at the next poll');
    }
  }

  /** Stops polling and closes the monitor's channel. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#timer);
    await this.#polling;
    const channel = this.#channel;
    this.#channel = undefined;
    await channel?.close().catch(() => {});
  }

  async #openChannel(): Promise<Channel | undefined> {
    if (this.#channel) return this.#channel;
    const connection = this.#options.connection();
    if (!connection || this.#stopped) return undefined;
    const channel = await connection.createChannel();
    this.#options.adoptChannel(channel);
    if (this.#stopped) {
      await channel.close().catch(() => {});
      return undefined;
    }
    // A failed check closes the channel on the broker's side: the next poll opens another.
    channel.once('close', () => {
      if (this.#channel === channel) this.#channel = undefined;
    });
    this.#channel = channel;
    return channel;
  }
}
