import { boundText } from '@flowline/observability';
import { PermanentMessageError } from './errors.ts';
import type { DeadLetter } from './message-bus.ts';
import { PUBLISH_ID_HEADER } from './returned-messages.ts';
import { DEFAULT_RETRY_DELAY, HEADERS, retryDelayMs, retryQueueFor, type QueueSpec } from './topology.ts';

export { DEFAULT_RETRY_DELAY, retryDelayMs };

/*
 * What both buses do with a message once its handler has run, so that the RabbitMQ bus and the
 * in-memory bus retry, give up and label dead letters the same way.
 */

/** The broker-managed redelivery counter of quorum queues. */
export const DELIVERY_COUNT_HEADER = 'x-delivery-count';

export interface RetryDelayOptions {
  /** Delay before the first redelivery; doubles on each further one. */
  baseMs: number;
  /** Upper bound of the delay. */
  maxMs: number;
}

export type FailureOutcome =
  | { action: 'retry'; delayMs: number; reason: string }
  | { action: 'dead-letter'; reason: string; permanent: boolean };

/**
 * A PermanentMessageError gives up at once; anything else is retried until the message has been
 * delivered `maxAttempts` times, then given up with the last error as the reason.
 */
export function decideAfterFailure(
  error: unknown,
  deliveryCount: number,
  maxAttempts: number,
  retryDelay: RetryDelayOptions,
): FailureOutcome {
  // Bounded here, once for both buses: the reason becomes a header of every retry and dead-letter copy.
  const reason = boundText(reasonOf(error));
  if (error instanceof PermanentMessageError || deliveryCount >= maxAttempts) {
    return { action: 'dead-letter', reason, permanent: error instanceof PermanentMessageError };
  }
  return { action: 'retry', delayMs: retryDelayMs(deliveryCount, retryDelay), reason };
}

/**
 * What becomes of a message whose handler failed, decided here once for both buses, which only
 * carry it out: park a copy with `headers` in the retry queue `queue` (it comes back after
 * `delayMs`), or put a copy with `headers` in the subscription's dead-letter queue.
 */
export type Settlement =
  | { action: 'retry'; reason: string; attempts: number; queue: string; delayMs: number; headers: Record<string, unknown> }
  | { action: 'dead-letter'; reason: string; attempts: number; permanent: boolean; headers: Record<string, unknown> };

export interface FailedDelivery {
  /** The headers the message was delivered with (a copy the handler never saw). */
  headers: Record<string, unknown>;
  deliveryCount: number;
  /** Where the message was published from this time (a retried copy comes back through the default exchange). */
  exchange: string;
  routingKey: string;
}

/** The one failure plan: from the error and the delivery, whether and how the message comes back. */
export function settlementAfterFailure(
  error: unknown,
  delivery: FailedDelivery,
  queue: QueueSpec,
  policy: { maxAttempts: number; retryDelay: RetryDelayOptions },
  now: Date = new Date(),
): Settlement {
  const decision = decideAfterFailure(error, delivery.deliveryCount, policy.maxAttempts, policy.retryDelay);
  const attempts = delivery.deliveryCount;
  const context = { reason: decision.reason, attempts, originalExchange: delivery.exchange, originalRoutingKey: delivery.routingKey, now };
  const retryQueue = decision.action === 'retry' ? retryQueueFor(queue, attempts) : undefined;
  if (retryQueue !== undefined) {
    return { action: 'retry', reason: decision.reason, attempts, queue: retryQueue.queue, delayMs: retryQueue.delayMs, headers: retryHeaders(delivery.headers, context) };
  }
  const permanent = decision.action === 'dead-letter' && decision.permanent;
  return { action: 'dead-letter', reason: decision.reason, attempts, permanent, headers: deadLetterHeaders(delivery.headers, context) };
}

/**
 * 1 on first delivery. A message that came back through a retry queue carries the failed
 * deliveries before in `x-flowline-attempts`; on top of that, quorum queues count deliveries
 * since it (re)entered the queue in `x-delivery-count` (a consumer that died holding it), and
 * classic queues only flag a redelivery. A malformed header counts as absent rather than
 * failing the delivery.
 */
export function deliveryCountOf(headers: Record<string, unknown>, redelivered = false): number {
  const retried = nonNegativeInteger(headers[HEADERS.attempts]) ?? 0;
  const previous = nonNegativeInteger(headers[DELIVERY_COUNT_HEADER]) ?? 0;
  return retried + Math.max(previous + 1, redelivered ? 2 : 1);
}

export interface RetryContext {
  reason: string;
  /** Deliveries so far, all failed. */
  attempts: number;
  originalExchange: string;
  originalRoutingKey: string;
  now?: Date;
}

/**
 * The headers of the copy that waits in a retry queue: everything the message carried, plus
 * how often and why it failed, when it first failed and where it was first published (the
 * copy comes back through the default exchange, which loses both). The broker's counters are
 * left out: they belong to the queue the message leaves.
 */
export function retryHeaders(original: Record<string, unknown>, context: RetryContext): Record<string, unknown> {
  const { [DELIVERY_COUNT_HEADER]: _brokerCounter, 'x-death': _deaths, ...kept } = original;
  const now = (context.now ?? new Date()).toISOString();
  const firstFailedAt = original[HEADERS.firstFailedAt];
  return {
    ...kept,
    [HEADERS.reason]: context.reason,
    [HEADERS.attempts]: context.attempts,
    [HEADERS.firstFailedAt]: typeof firstFailedAt === 'string' && firstFailedAt !== '' ? firstFailedAt : now,
    [HEADERS.originalExchange]: stringHeader(original[HEADERS.originalExchange]) ?? context.originalExchange,
    [HEADERS.originalRoutingKey]: stringHeader(original[HEADERS.originalRoutingKey]) ?? context.originalRoutingKey,
  };
}

/**
 * The headers of the copy that goes to a deferred lane: everything the message carried, when it
 * was first deferred, and where it was first published (the copy goes through the deferral
 * exchange). Its attempts so far stay: a deferral is no attempt, and resets none.
 */
export function deferralHeaders(original: Record<string, unknown>, context: { originalExchange: string; originalRoutingKey: string; now?: Date }): Record<string, unknown> {
  const { [DELIVERY_COUNT_HEADER]: _brokerCounter, 'x-death': _deaths, ...kept } = original;
  return {
    ...kept,
    [HEADERS.deferredAt]: stringHeader(original[HEADERS.deferredAt]) ?? (context.now ?? new Date()).toISOString(),
    [HEADERS.originalExchange]: stringHeader(original[HEADERS.originalExchange]) ?? context.originalExchange,
    [HEADERS.originalRoutingKey]: stringHeader(original[HEADERS.originalRoutingKey]) ?? context.originalRoutingKey,
  };
}

/**
 * How long a message that came through a deferred lane waited there (from its `x-flowline-deferred-at`
 * header, which the consumer sets for one the broker routed there), or undefined for one that did not.
 */
export function deferralOf(headers: Record<string, unknown>, nowMs: number): { deferred: true; waited_ms: number } | undefined {
  const at = stringHeader(headers[HEADERS.deferredAt]);
  const deferredAt = at === undefined ? NaN : Date.parse(at);
  if (Number.isNaN(deferredAt)) return undefined;
  return { deferred: true, waited_ms: Math.max(0, Math.round(nowMs - deferredAt)) };
}

/** The routing key a message was first published with, also after trips through retry queues. */
export function originalRoutingKeyOf(headers: Record<string, unknown>, deliveredRoutingKey: string): string {
  return stringHeader(headers[HEADERS.originalRoutingKey]) ?? deliveredRoutingKey;
}

/**
 * The headers a replayed dead letter is published with: what its producer set, without any
 * trace of earlier attempts, so that it gets a full set of attempts again.
 */
export function replayHeaders(deadLetterHeaders: Record<string, unknown>): Record<string, unknown> {
  // The producer's own headers stay: whose message it is, and when its event happened.
  const kept = new Set<string>([HEADERS.tenantId, HEADERS.eventTime]);
  const flowline = new Set<string>(Object.values(HEADERS).filter((name) => !kept.has(name)));
  // The publish id of the copy that made it a dead letter, too: it ties a broker return to one publish, and a
  // replay carrying a stale one would be mistaken for that publish.
  flowline.add(PUBLISH_ID_HEADER);
  return Object.fromEntries(
    Object.entries(deadLetterHeaders).filter(([name]) => !flowline.has(name) && name !== DELIVERY_COUNT_HEADER && name !== 'x-death'),
  );
}

export type DeadLetterContext = RetryContext;

/**
 * The headers of a dead-lettered copy: everything the message carried, plus why and where it
 * came from. The broker's delivery counter is left out: it belongs to the source queue, and a
 * replayed copy carrying it would look as if it had already been tried.
 */
export function deadLetterHeaders(original: Record<string, unknown>, context: DeadLetterContext): Record<string, unknown> {
  const now = context.now ?? new Date();
  return { ...retryHeaders(original, { ...context, now }), [HEADERS.deadLetteredAt]: now.toISOString() };
}

/**
 * Reads a dead letter back. Ours carry the reason and original routing key in headers; ones the
 * broker dead-lettered itself (its delivery limit) only have `x-death`.
 */
export function toDeadLetter(content: Buffer, headers: Record<string, unknown>, deliveredRoutingKey: string): DeadLetter {
  const death = firstDeath(headers);
  const reason = stringHeader(headers[HEADERS.reason]) ?? stringHeader(death?.['reason']) ?? 'unknown';
  const deathKeys = death?.['routing-keys'];
  const routingKey =
    stringHeader(headers[HEADERS.originalRoutingKey]) ??
    (Array.isArray(deathKeys) ? stringHeader(deathKeys[0]) : undefined) ??
    deliveredRoutingKey;
  return { content, routingKey, headers, reason };
}

/** A human-readable reason for any thrown value. */
export function reasonOf(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  if (typeof error === 'string' && error !== '') return error;
  try {
    return `non-error thrown: ${JSON.stringify(error)}`;
  } catch {
    return 'non-error thrown';
  }
}

function firstDeath(headers: Record<string, unknown>): Record<string, unknown> | undefined {
  const deaths = headers['x-death'];
  if (!Array.isArray(deaths)) return undefined;
  const first: unknown = deaths[0];
  return typeof first === 'object' && first !== null ? (first as Record<string, unknown>) : undefined;
}

function stringHeader(value: unknown): string | undefined {
  if (typeof value === 'string' && value !== '') return value;
  // amqplib hands long strings from some clients over as Buffers.
  if (Buffer.isBuffer(value) && value.length > 0) return value.toString('utf8');
  return undefined;
}

function nonNegativeInteger(value: unknown): number | undefined {
  const number = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  return Number.isFinite(number) && number >= 0 ? Math.floor(number) : undefined;
}
