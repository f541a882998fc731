import { randomUUID } from 'node:crypto';
import type { ActionCommand, EventEnvelope, RuleChange } from '@flowline/contracts';
import { TRACEPARENT } from '@flowline/observability';
import type { HeaderValue, MessageBus, OutgoingMessage } from './message-bus.ts';
import { actionRoutingKey, eventRoutingKey, HEADERS, type PublicationName } from './topology.ts';

/** What each publication carries: the only bodies the services publish. */
export interface PublicationPayloads {
  event: EventEnvelope;
  'action-command': ActionCommand;
  'rule-changes': RuleChange;
}

/** Besides the payload, what a hop passes on: its trace, and for a command the time of the event behind it. */
export interface PublishContext {
  traceparent?: string | undefined;
  eventTime?: string | undefined;
}

type MessageOf = { [P in PublicationName]: (payload: PublicationPayloads[P], context: PublishContext) => OutgoingMessage };

/*
 * One function per publication: routing key, message id, correlation id and headers all come from the
 * payload, so every producer of a publication puts the same things on the wire.
 */
const MESSAGES: MessageOf = {
  event: (event, { traceparent }) => {
    // On the wire the trace context is a header, never part of the body.
    const { traceparent: stored, ...body } = event;
    const trace = traceparent ?? stored;
    return {
      routingKey: eventRoutingKey(event.module_type, event.type),
      messageId: event.id,
      correlationId: event.correlation_id,
      headers: { [HEADERS.tenantId]: event.tenant_id, ...(trace === undefined ? {} : { [TRACEPARENT]: trace }) },
      body,
    };
  },
  'action-command': (command, { traceparent, eventTime }) => {
    const headers: Record<string, HeaderValue> = { [HEADERS.tenantId]: command.tenant_id };
    if (traceparent !== undefined) headers[TRACEPARENT] = traceparent;
    if (eventTime !== undefined) headers[HEADERS.eventTime] = eventTime;
    return { routingKey: actionRoutingKey(command.type), messageId: command.id, correlationId: command.correlation_id, headers, body: command };
  },
  'rule-changes': (change) => ({
    routingKey: `rule.${change.change}`,
    // A notice, not work: nothing deduplicates it, so any id will do.
    messageId: randomUUID(),
    headers: { [HEADERS.tenantId]: change.tenant_id },
    body: change,
  }),
};

/** The message a publication's payload goes out as. */
export function messageFor<P extends PublicationName>(publication: P, payload: PublicationPayloads[P], context: PublishContext = {}): OutgoingMessage {
  return (MESSAGES[publication] as (payload: PublicationPayloads[P], context: PublishContext) => OutgoingMessage)(payload, context);
}

/** Publishes a typed payload; resolves once the broker confirmed it (see MessageBus.publish). */
export function publishPayload<P extends PublicationName>(bus: MessageBus, publication: P, payload: PublicationPayloads[P], context: PublishContext = {}): Promise<void> {
  return bus.publish(publication, messageFor(publication, payload, context));
}
