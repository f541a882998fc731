import { eventRoutingKey, HEADERS } from '@flowline/messaging';
import { TRACEPARENT } from '@flowline/observability';
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
