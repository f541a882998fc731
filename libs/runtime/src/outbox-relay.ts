import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { eventRoutingKey, HEADERS, type MessageBus } from '@flowline/messaging';
import { TRACEPARENT, type Logger } from '@flowline/observability';
import type { Stores } from '@flowline/storage';
import { PollLoop } from './poll-loop.ts';

export interface OutboxRelayOptions {
  stores: Stores;
  bus: MessageBus;
  logger: Logger;
  /**
   * How often the outbox is checked when nothing pokes the relay (rows left by a process
   * that died, or written by another one).
   * @defaultValue 500
   */
  pollIntervalMs?: number;
  /**
   * How long a claimed row is this relay's alone; past it another relay may publish it
   * again, which the engine's (event, rule) executions turn into a no-op.
   * @defaultValue 30000
   */
  leaseMs?: number;
  /** @defaultValue 50 */
  batchSize?: number;
}

/**
 * Publishes the events the modules queued in the outbox to the `event` publication, waiting
 * for each broker confirm before marking the row sent. Rows are claimed with a lease, so any
 * number of processes may run a relay over one store.
 */
export class OutboxRelay {
  readonly #options: Required<OutboxRelayOptions>;
  readonly #owner = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  readonly #loop: PollLoop;

  constructor(options: OutboxRelayOptions) {
    this.#options = { pollIntervalMs: 500, leaseMs: 30_000, batchSize: 50, ...options };
    this.#loop = new PollLoop('outbox relay', () => this.#drain(), this.#options.pollIntervalMs, this.#options.logger);
  }

  start(): void {
    this.#loop.start();
  }

  /** Asks for a pass now, e.g. right after a write committed events. */
  poke(): void {
    this.#loop.poke();
  }

  /** Finishes the pass in progress, then stops; unsent rows stay for the next relay. */
  async stop(): Promise<void> {
    await this.#loop.stop();
  }

  async #drain(): Promise<void> {
    const { stores, bus, logger, leaseMs, batchSize } = this.#options;
    while (this.#loop.running) {
      const events = await stores.outbox.claim(this.#owner, leaseMs, batchSize);
      for (const event of events) {
        // On the wire the trace context is a header, as for events from the api.
        const { traceparent, ...body } = event;
        await bus.publish('event', {
          routingKey: eventRoutingKey(event.module_type, event.type),
          messageId: event.id,
          correlationId: event.correlation_id,
          headers: { [HEADERS.tenantId]: event.tenant_id, ...(traceparent === undefined ? {} : { [TRACEPARENT]: traceparent }) },
          body,
        });
        await stores.outbox.markSent(event.tenant_id, event.id);
        logger.debug({ tenant_id: event.tenant_id, event_id: event.id, trigger_id: event.type, correlation_id: event.correlation_id }, 'outbox event published');
      }
      if (events.length < batchSize) return;
    }
  }
}
