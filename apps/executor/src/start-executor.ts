import type { Config } from '@flowline/config';
import type { MessageBus } from '@flowline/messaging';
import type { Logger } from '@flowline/observability';
import { flowControlFromConfig, OutboxRelay, subscribeWithFlowControl, type FlowControlOptions, type Running } from '@flowline/runtime';
import type { Stores } from '@flowline/storage';
import { ActionProcessor } from './domain/action-processor.ts';
import { ActionScheduler } from './domain/action-scheduler.ts';
import { createSmtpMailer } from './domain/mailer.ts';
import type { WebhookOptions } from './domain/webhook/call-webhook.ts';
import { TenantLimiter } from './domain/webhook/tenant-limiter.ts';

/** Webhook delivery settings as plain values; the executor builds its limiter from them. */
export type WebhookSettings = Omit<WebhookOptions, 'limiter'> & { maxConcurrencyPerTenant: number };

export interface ExecutorOptions {
  smtp?: { url: string; from: string };
  webhook?: WebhookSettings;
  /** @defaultValue 5 */
  maxDeliveryAttempts?: number;
  /** @defaultValue 250 */
  schedulerPollMs?: number;
  /** Most commands handled as one batch. @defaultValue the bus's prefetch */
  batchMax?: number;
  /** Per-tenant admission and the deferred lane. @defaultValue the configuration's defaults */
  flowControl?: FlowControlOptions;
}

/** The executor's settings, read from the configuration in one place for every entry point. */
export function executorOptionsFromConfig(config: Config): ExecutorOptions {
  return {
    ...(config.SMTP_URL ? { smtp: { url: config.SMTP_URL, from: config.SMTP_FROM } } : {}),
    webhook: {
      policy: {
        allowedHosts: new Set(config.WEBHOOK_ALLOWED_HOSTS.split(',').map((h) => h.trim().toLowerCase()).filter((h) => h !== '')),
        allowHttp: config.WEBHOOK_ALLOW_HTTP,
      },
      connectTimeoutMs: config.WEBHOOK_CONNECT_TIMEOUT_MS,
      responseTimeoutMs: config.WEBHOOK_RESPONSE_TIMEOUT_MS,
      retryWindowMs: config.WEBHOOK_RETRY_WINDOW_MS,
      maxRedirects: config.WEBHOOK_MAX_REDIRECTS,
      maxConcurrencyPerTenant: config.WEBHOOK_MAX_CONCURRENCY_PER_TENANT,
    },
    maxDeliveryAttempts: config.MAX_DELIVERY_ATTEMPTS,
    schedulerPollMs: config.SCHEDULER_POLL_MS,
    batchMax: config.BATCH_MAX,
    flowControl: flowControlFromConfig(config, 'executor'),
  };
}

/** Subscribes an executor to `executor.actions` (both lanes) and runs its scheduler; several executors share them. */
export async function startExecutor(deps: { stores: Stores; bus: MessageBus; logger: Logger } & ExecutorOptions): Promise<Running> {
  const mailer = deps.smtp ? createSmtpMailer(deps.smtp.url, deps.smtp.from) : undefined;
  // update_status queues events in the outbox; this relay publishes them (any other relay may too).
  const relay = new OutboxRelay({ stores: deps.stores, bus: deps.bus, logger: deps.logger.child({ component: 'outbox-relay' }) });
  const scheduler = new ActionScheduler({
    stores: deps.stores,
    bus: deps.bus,
    logger: deps.logger.child({ component: 'action-scheduler' }),
    ...(deps.schedulerPollMs === undefined ? {} : { pollIntervalMs: deps.schedulerPollMs }),
  });
  const webhook = deps.webhook ? { ...deps.webhook, limiter: new TenantLimiter(deps.webhook.maxConcurrencyPerTenant) } : undefined;
  const processor = new ActionProcessor({
    stores: deps.stores,
    logger: deps.logger,
    afterEntityCommit: () => relay.poke(),
    ...(mailer ? { mailer } : {}),
    ...(webhook ? { webhook } : {}),
    ...(deps.maxDeliveryAttempts === undefined ? {} : { maxDeliveryAttempts: deps.maxDeliveryAttempts }),
  });
  relay.start();
  scheduler.start();
  // The commands already delivered go through as one batch: their outcomes are recorded in one store call.
  // Both lanes: a tenant with too many commands in flight is deferred to executor.actions.deferred (docs/fairness.md).
  const subscription = await subscribeWithFlowControl({
    bus: deps.bus,
    stores: deps.stores,
    logger: deps.logger,
    stage: 'executor',
    subscription: 'executor.actions',
    handler: (messages) => processor.processBatch(messages),
    maxBatch: deps.batchMax,
    subscribeOptions: { onGiveUp: (message, giveUp) => processor.giveUp(message, giveUp) },
    flowControl: deps.flowControl,
  });
  deps.logger.info({ email: Boolean(mailer), webhooks: Boolean(webhook) }, 'executor consuming executor.actions and executor.actions.deferred');
  return {
    async stop() {
      await scheduler.stop();
      await subscription.cancel();
      await relay.stop();
      mailer?.close();
    },
  };
}
