import type { Logger } from '@flowline/observability';
import { AmqpBus } from './amqp-bus.ts';
import type { RetryDelayOptions } from './delivery-policy.ts';
import { InMemoryBus } from './in-memory-bus.ts';
import type { MessageBus } from './message-bus.ts';
import { defineTopology } from './topology.ts';

export interface CreateMessageBusOptions {
  /** RabbitMQ URL; without one the bus is in-memory (standalone mode, one process). */
  amqpUrl?: string;
  /**
   * Prefix of every exchange and queue, so deployments and test runs can share a broker.
   * @defaultValue `flowline`
   */
  namespace?: string;
  /**
   * Handler calls a subscription runs at once.
   * @defaultValue 16
   */
  prefetch?: number;
  /**
   * How long a publish waits for the broker's confirm before it rejects with a PublishError
   * (RabbitMQ only: in memory a publish never waits).
   * @defaultValue 5000
   */
  publishTimeoutMs?: number;
  /**
   * How long to wait for the first connection with the topology declared (RabbitMQ only).
   * @defaultValue 10000
   */
  connectTimeoutMs?: number;
  /**
   * Deliveries of a message whose handler keeps failing transiently before it is dead-lettered.
   * @defaultValue 5
   */
  maxAttempts?: number;
  /**
   * Delay before a transiently failed message is delivered again: `baseMs`, doubling after each
   * further failure, at most `maxMs`; each distinct delay is a retry queue on the broker.
   * @defaultValue `{ baseMs: 1000, maxMs: 30000 }`
   */
  retryDelay?: RetryDelayOptions;
  /** @defaultValue `silentLogger()` */
  logger?: Logger;
  /** See {@link Topology.declaredBy}. @defaultValue 'roles' */
  topologyDeclaredBy?: 'roles' | 'operator';
  /**
   * How often a consuming process reads its stage's queue backlogs for /metrics (RabbitMQ only).
   * @defaultValue 5000
   */
  backlogPollMs?: number;
}

/**
 * The bus for this process: on RabbitMQ when `amqpUrl` is given, else in memory; both on
 * `defineTopology(namespace)`.
 *
 * For RabbitMQ it resolves only once connected with the topology declared, so a caller can
 * start serving when it returns; it rejects (and releases the connection attempt) when that has
 * not happened within `connectTimeoutMs` or the credentials are refused. After that, the bus
 * reconnects on its own.
 */
export async function createMessageBus(options: CreateMessageBusOptions = {}): Promise<MessageBus> {
  const topology = defineTopology(options.namespace, { maxAttempts: options.maxAttempts, retryDelay: options.retryDelay }, options.topologyDeclaredBy);
  const common = { topology, prefetch: options.prefetch, logger: options.logger };
  if (!options.amqpUrl) return new InMemoryBus(common);

  const bus = new AmqpBus({ ...common, url: options.amqpUrl, publishTimeoutMs: options.publishTimeoutMs, backlogPollMs: options.backlogPollMs });
  try {
    await bus.ready({ timeoutMs: options.connectTimeoutMs });
  } catch (error) {
    // Not awaited: closing waits for a TCP connect still in flight, which against a host that
    // drops packets outlasts the connect timeout the caller asked for.
    void bus.close().catch(() => {});
    throw error;
  }
  return bus;
}
