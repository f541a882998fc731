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
