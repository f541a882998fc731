import type { AmqpConnectionManager, ChannelWrapper } from 'amqp-connection-manager';
import type { Channel, ConsumeMessage } from 'amqplib';
import type { Logger } from '@flowline/observability';
import { declareTopology } from './declare-topology.ts';
import { toIncomingMessage } from './amqp-subscription.ts';
import type { BroadcastHandler, Subscription } from './message-bus.ts';
import type { BroadcastName, Topology } from './topology.ts';

export interface AmqpBroadcastSubscriptionDeps {
  manager: AmqpConnectionManager;
  topology: Topology;
  broadcast: BroadcastName;
  handler: BroadcastHandler;
  logger: Logger;
  adoptChannel(channel: Channel, purpose: string): void;
  onClosed(): void;
}

/**
 * A broadcast subscriber: an exclusive, auto-delete, server-named queue bound to the broadcast's
 * fanout exchange, declared again by the channel setup on every (re)connect. The queue dies with
 * its connection, so notices sent while disconnected are lost: every setup after the first
 * reports a gap to the handler, once the new queue is bound (so nothing after the gap is missed).
 */
export class AmqpBroadcastSubscription implements Subscription {
  readonly #deps: AmqpBroadcastSubscriptionDeps;
  readonly #logger: Logger;
  readonly #wrapper: ChannelWrapper;
  readonly #firstSetup = Promise.withResolvers<void>();
  #setups = 0;
  #cancelled: Promise<void> | undefined;

  constructor(deps: AmqpBroadcastSubscriptionDeps) {
    this.#deps = deps;
    this.#logger = deps.logger.child({ broadcast: deps.broadcast });
    this.#firstSetup.promise.catch(() => {});
    this.#wrapper = deps.manager.createChannel({
      name: `broadcast ${deps.broadcast}`,
      setup: (channel: Channel) => this.#setup(channel),
    });
    this.#wrapper.on('error', (error: unknown) => {
      this.#logger.error({ err: error }, 'broadcast channel could not be opened');
      this.#firstSetup.reject(error);
    });
  }

  /** Resolves once the queue is bound and consumed, or at once while disconnected (it starts on connect). */
  async started(): Promise<void> {
    if (!this.#deps.manager.isConnected()) return;
    await this.#firstSetup.promise;
  }

  cancel(): Promise<void> {
    this.#cancelled ??= (async () => {
      try {
        await this.#wrapper.close();
      } catch {
        // Already closed by the broker: the exclusive queue is gone with it.
      }
      this.#deps.onClosed();
    })();
    return this.#cancelled;
  }

  async #setup(channel: Channel): Promise<void> {
    if (this.#cancelled) return;
    this.#deps.adoptChannel(channel, `broadcast ${this.#deps.broadcast}`);
    try {
      await declareTopology(channel, this.#deps.topology);
      const { queue } = await channel.assertQueue('', { exclusive: true, autoDelete: true, durable: false });
      await channel.bindQueue(queue, this.#deps.topology.broadcasts[this.#deps.broadcast].exchange, '');
      await channel.consume(queue, (raw) => raw && this.#deliver(raw), { noAck: true });
      this.#setups += 1;
      if (this.#setups > 1) {
        this.#logger.info('broadcast queue declared again after a reconnect; notices may have been missed');
        this.#deps.handler.onGap();
      }
      this.#firstSetup.resolve();
    } catch (error) {
      this.#firstSetup.reject(error);
      throw error;
    }
  }

  async #deliver(raw: ConsumeMessage): Promise<void> {
    const message = toIncomingMessage(raw);
    try {
      await this.#deps.handler.onMessage(message);
    } catch (error) {
      this.#logger.warn({ err: error, messageId: message.messageId }, 'broadcast handler failed; notice dropped');
    }
  }
}
