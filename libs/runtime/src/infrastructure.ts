import type { Config } from '@flowline/config';
import { createMessageBus, type MessageBus } from '@flowline/messaging';
import type { Logger } from '@flowline/observability';
import { openStores, type Stores } from '@flowline/storage';
import { Pruner, retentionFromConfig } from './pruner.ts';

export interface Infrastructure {
  stores: Stores;
  bus: MessageBus;
  close(): Promise<void>;
}

/** The store and the bus every role needs, chosen by configuration (embedded defaults when unset). */
export async function openInfrastructure(config: Config, logger: Logger, options: { requireBroker?: boolean } = {}): Promise<Infrastructure> {
  if (options.requireBroker && !config.AMQP_URL) {
    throw new Error('AMQP_URL is required when a role runs on its own; use `npm start` to run every role in one process without a broker');
  }
  const stores = await openStores({
    mongodbUrl: config.MONGODB_URL,
    mongodbDatabase: config.MONGODB_DATABASE,
    sqlitePath: config.SQLITE_PATH,
    sqliteBusyTimeoutMs: config.SQLITE_BUSY_TIMEOUT_MS,
    retention: retentionFromConfig(config),
  });
  // MongoDB expires old documents through its TTL indexes; SQLite is pruned from here.
  const pruner =
    stores.kind === 'sqlite'
      ? new Pruner({ stores, policy: retentionFromConfig(config), intervalMs: config.PRUNE_INTERVAL_MS, logger: logger.child({ component: 'pruner' }) })
      : undefined;
  logger.info({ store: stores.kind, path: stores.kind === 'sqlite' ? config.SQLITE_PATH : undefined }, 'store open');
  try {
    const bus = await createMessageBus({
      amqpUrl: config.AMQP_URL,
      namespace: config.FLOWLINE_NAMESPACE,
      prefetch: config.PREFETCH,
      publishTimeoutMs: config.PUBLISH_TIMEOUT_MS,
      connectTimeoutMs: config.AMQP_CONNECT_TIMEOUT_MS,
      maxAttempts: config.MAX_DELIVERY_ATTEMPTS,
      retryDelay: { baseMs: config.RETRY_BASE_MS, maxMs: Math.max(config.RETRY_BASE_MS, config.RETRY_MAX_MS) },
      topologyDeclaredBy: config.AMQP_TOPOLOGY === 'verify' ? 'operator' : 'roles',
      backlogPollMs: config.BACKLOG_POLL_MS,
      logger,
    });
    logger.info({ bus: config.AMQP_URL ? 'rabbitmq' : 'in-memory', namespace: config.FLOWLINE_NAMESPACE }, 'bus ready');
    pruner?.start();
    return {
      stores,
      bus,
      async close() {
        await pruner?.stop();
        await bus.close();
        await stores.close();
      },
    };
  } catch (error) {
    await stores.close();
    throw error;
  }
}
