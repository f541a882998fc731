import { randomUUID } from 'node:crypto';
import type { EventEnvelope, IngestEventRequest, TenantId } from '@flowline/contracts';
import { publishPayload, PublishError, UnpublishableMessageError, type MessageBus } from '@flowline/messaging';
import { checkEventData, type Catalogue } from '@flowline/rules';
import { AppError } from './app-error.ts';

/** Accepts business events over HTTP and hands them to the events exchange. */
export class EventIngestService {
  readonly #bus: MessageBus;
  readonly #catalogue: Catalogue;

  constructor(bus: MessageBus, catalogue: Catalogue) {
    this.#bus = bus;
    this.#catalogue = catalogue;
  }

  /**
   * Resolves only once the broker has confirmed the event; 503 otherwise, never a false 202.
   * `traceparent` (W3C) travels in the message headers for the engine to continue.
   */
  async ingest(tenant: TenantId, request: IngestEventRequest, correlationId: string | undefined, traceparent?: string): Promise<EventEnvelope> {
    const trigger = this.#catalogue.trigger(request.type);
    if (!trigger) {
      throw AppError.validation([{ path: 'type', message: `unknown trigger '${request.type}'; see GET /api/v1/automation/triggers` }]);
    }
    const issues = checkEventData(this.#catalogue, request.type, request.data);
    if (issues.length > 0) throw AppError.validation(issues, `Event data is missing what trigger '${request.type}' requires.`);

    const id = request.id ?? randomUUID();
    const event: EventEnvelope = {
      id,
      tenant_id: tenant,
      type: request.type,
      module_type: trigger.module_type,
      source: request.source ?? 'api',
      time: request.time ?? new Date().toISOString(),
      data: request.data,
      correlation_id: correlationId ?? id,
      causation_id: null,
      causation_depth: 0,
    };
    try {
      await publishPayload(this.#bus, 'event', event, { traceparent: traceparent || undefined });
    } catch (error) {
      if (error instanceof PublishError) throw AppError.brokerUnavailable(error);
      // The body fitted the api's limit but the envelope around it does not fit the wire's.
      if (error instanceof UnpublishableMessageError) throw AppError.tooLarge(error.message);
      throw error;
    }
    return event;
  }
}
