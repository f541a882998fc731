import type { PeekedDeadLetter } from './dead-letter-admin.ts';
import { HEADERS, type SubscriptionName } from './topology.ts';

/** The dead-letter queues an operator names (`flowline dlq --queue`, /admin/v1/dead-letters/{queue}). */
export const DEAD_LETTER_QUEUES: Readonly<Record<string, SubscriptionName>> = { engine: 'engine.events', executor: 'executor.actions' };

/** How much of a body a listing shows: a poison message can be megabytes. */
const BODY_PREVIEW_BYTES = 2048;

/** One dead letter as operators see it (CLI and admin route alike): identity, why it died, the start of its body. */
export interface DeadLetterView {
  message_id: string | null;
  correlation_id: string | null;
  routing_key: string;
  reason: string;
  tenant_id: string | null;
  attempts: string | null;
  dead_lettered_at: string | null;
  headers: Record<string, unknown>;
  bytes: number;
  body: string;
}

export function describeDeadLetter(letter: PeekedDeadLetter): DeadLetterView {
  const headerText = (value: unknown) => (value === undefined || value === null ? null : Buffer.isBuffer(value) ? value.toString('utf8') : String(value));
  const body = letter.content.subarray(0, BODY_PREVIEW_BYTES).toString('utf8');
  return {
    message_id: letter.messageId ?? null,
    correlation_id: letter.correlationId ?? null,
    routing_key: letter.routingKey,
    reason: letter.reason,
    tenant_id: headerText(letter.headers[HEADERS.tenantId]),
    attempts: headerText(letter.headers[HEADERS.attempts]),
    dead_lettered_at: headerText(letter.headers[HEADERS.deadLetteredAt]),
    headers: Object.fromEntries(Object.entries(letter.headers).map(([k, v]) => [k, Buffer.isBuffer(v) ? v.toString('utf8') : v])),
    bytes: letter.content.length,
    body: letter.content.length > BODY_PREVIEW_BYTES ? `${body}… (${letter.content.length - BODY_PREVIEW_BYTES} more bytes)` : body,
  };
}
