import { publishPayload } from '@flowline/messaging';
import { LeasedDrain, type LeasedDrainOptions } from './leased-drain.ts';

/** Defaults: polled every 500 ms, leases of 30 s, 50 rows a claim. */
export type OutboxRelayOptions = LeasedDrainOptions;

/**
 * Publishes the events the modules queued in the outbox to the `event` publication, waiting
 * for each broker confirm before marking the row sent. Rows are claimed with a lease, so any
 * number of processes may run a relay over one store.
 */
export class OutboxRelay extends LeasedDrain {
  constructor(options: OutboxRelayOptions) {
    super('outbox relay', options, { pollIntervalMs: 500, leaseMs: 30_000, batchSize: 50 });
  }

  protected async drain(): Promise<void> {
    const { stores, bus, logger, leaseMs, batchSize } = this.options;
    while (this.running) {
      const events = await stores.outbox.claim(this.owner, leaseMs, batchSize);
      for (const event of events) {
        // The trace context the event was queued with goes out as its header, as for events from the api.
        await publishPayload(bus, 'event', event);
        await stores.outbox.markSent(event.tenant_id, event.id);
        logger.debug({ tenant_id: event.tenant_id, event_id: event.id, trigger_id: event.type, correlation_id: event.correlation_id }, 'outbox event published');
      }
      if (events.length < batchSize) return;
    }
  }
}
