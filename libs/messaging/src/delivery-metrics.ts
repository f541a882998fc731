import { metrics, parseTraceparent, TRACEPARENT } from '@flowline/observability';
import { PermanentMessageError } from './errors.ts';

/*
 * What both buses' consumers report to the process's metrics registry, in one place so that the
 * RabbitMQ and the in-memory consumer count the same things the same way.
 */

export function recordPrefetch(queue: string, prefetch: number): void {
  metrics().consumerPrefetch.set({ queue }, prefetch);
}

/** Counts a message as held until the returned function is called. */
export function holdMessage(queue: string): () => void {
  const gauge = metrics().consumerInFlight;
  gauge.inc({ queue });
  return () => gauge.dec({ queue });
}

export function recordRetry(queue: string): void {
  metrics().retries.inc({ queue });
}

export function recordDeadLetter(queue: string, failure: unknown): void {
  metrics().deadLettered.inc({ queue, kind: failure instanceof PermanentMessageError ? 'permanent' : 'exhausted' });
}

export function recordConnected(connected: boolean): void {
  metrics().brokerConnected.set({ broker: 'rabbitmq' }, connected ? 1 : 0);
}

/** The trace id a message carries, for the bus's own log lines about it. */
export function traceIdOf(headers: Record<string, unknown>): string | undefined {
  return parseTraceparent(headers[TRACEPARENT])?.traceId;
}

/** Per work queue: when the message this process consumed last was published (epoch ms), undefined when it had no timestamp. */
const lastConsumed = new Map<string, number | undefined>();

/**
 * Notes when a delivered message was published, for the oldest-message age the backlog monitor
 * reports: RabbitMQ tells no queue head's age, but the message just taken from a queue was its
 * head. A message without a timestamp (direct publishers may omit it) makes the age unknown
 * until a timestamped one is consumed again.
 */
export function recordConsumed(queue: string, properties: { timestamp?: unknown; headers?: Record<string, unknown> | undefined }): void {
  lastConsumed.set(queue, publishedAtOf(properties));
}

/** When the message this process consumed last from `queue` was published; undefined when unknown. */
export function lastConsumedPublishedAt(queue: string): number | undefined {
  return lastConsumed.get(queue);
}

/**
 * The publish time of a message: RabbitMQ's `timestamp_in_ms` header (set by the broker's
 * message interceptor on RabbitMQ 3.12 and later when enabled), else the AMQP `timestamp`
 * property, in whole seconds, which Flowline's own publishers set.
 */
export function publishedAtOf(properties: { timestamp?: unknown; headers?: Record<string, unknown> | undefined }): number | undefined {
  const inMs = properties.headers?.['timestamp_in_ms'];
  if (typeof inMs === 'number' && Number.isFinite(inMs) && inMs > 0) return inMs;
  const { timestamp } = properties;
  if (typeof timestamp === 'number' && Number.isFinite(timestamp) && timestamp > 0) return timestamp * 1000;
  return undefined;
}
