import amqplib, { type ChannelModel, type ConfirmChannel } from 'amqplib';
import { HEADERS } from '@flowline/messaging';

export interface BenchMessage {
  id: string;
  tenant: string;
  body: Buffer;
  /** Leave out the optional `x-tenant-id` header (the tenant is then only in the body). @defaultValue false */
  withoutTenantHeader?: boolean;
}

/**
 * Publishes straight to an exchange on a confirm channel, persistent, as the api would. It
 * keeps at most `window` publishes awaiting their confirm, so "full speed" is the broker's
 * pace and never an unbounded buffer in this process. The publish time of every message is
 * taken just before it is written.
 */
export class BenchPublisher {
  readonly #connection: ChannelModel;
  readonly #channel: ConfirmChannel;
  readonly publishedAt = new Map<string, number>();
  #outstanding = 0;
  #drained: (() => void) | undefined;
  #failure: Error | undefined;

  private constructor(connection: ChannelModel, channel: ConfirmChannel) {
    this.#connection = connection;
    this.#channel = channel;
  }

  static async open(url: string): Promise<BenchPublisher> {
    const connection = await amqplib.connect(url);
    const channel = await connection.createConfirmChannel();
    return new BenchPublisher(connection, channel);
  }

  async #publish(exchange: string, routingKey: string, message: BenchMessage, window: number): Promise<void> {
    while (this.#outstanding >= window) await new Promise<void>((resolve) => (this.#drained = resolve));
    if (this.#failure) throw this.#failure;
    this.#outstanding += 1;
    this.publishedAt.set(message.id, performance.timeOrigin + performance.now());
    const ok = this.#channel.publish(
      exchange,
      routingKey,
      message.body,
      { persistent: true, contentType: 'application/json', messageId: message.id, headers: message.withoutTenantHeader ? {} : { [HEADERS.tenantId]: message.tenant } },
      (error: unknown) => {
        if (error) this.#failure = new Error(`publish not confirmed: ${String(error)}`);
        this.#outstanding -= 1;
        const drained = this.#drained;
        this.#drained = undefined;
        drained?.();
      },
    );
    if (!ok) await new Promise((resolve) => this.#channel.once('drain', resolve));
  }

  /** As fast as the broker confirms. */
  async fullSpeed(exchange: string, routingKey: string, messages: BenchMessage[], window = 256): Promise<void> {
    for (const message of messages) await this.#publish(exchange, routingKey, message, window);
    await this.#channel.waitForConfirms();
  }

  /** At `perSecond`, in 10 ms ticks, whatever the pipeline does. */
  async fixedRate(exchange: string, routingKey: string, messages: BenchMessage[], perSecond: number): Promise<void> {
    const start = performance.now();
    let sent = 0;
    while (sent < messages.length) {
      const due = Math.min(messages.length, Math.floor(((performance.now() - start) / 1000) * perSecond) + 1);
      while (sent < due) await this.#publish(exchange, routingKey, messages[sent++]!, 10_000);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await this.#channel.waitForConfirms();
  }

  async close(): Promise<void> {
    await this.#channel.close().catch(() => {});
    await this.#connection.close().catch(() => {});
  }
}
