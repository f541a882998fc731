import type { Config } from '@flowline/config';
import type { MessageBus } from '@flowline/messaging';
import type { Logger } from '@flowline/observability';
import { OutboxRelay, type Running } from '@flowline/runtime';
import type { Stores } from '@flowline/storage';
import { ActionProcessor } from './domain/action-processor.ts';
import { createSmtpMailer } from './domain/mailer.ts';

/** The executor's settings, read from the configuration in one place for every entry point. */
export function executorOptionsFromConfig(config: Config): { smtp?: { url: string; from: string }; batchMax: number } {
  return { batchMax: config.BATCH_MAX, ...(config.SMTP_URL ? { smtp: { url: config.SMTP_URL, from: config.SMTP_FROM } } : {}) };
}

/** Subscribes an executor to `executor.actions`; several executors share the queue. */
export async function startExecutor(deps: {
  stores: Stores;
  bus: MessageBus;
  logger: Logger;
  smtp?: { url: string; from: string };
  /** @defaultValue the bus's prefetch */
  batchMax?: number;
}): Promise<Running> {
  const mailer = deps.smtp ? createSmtpMailer(deps.smtp.url, deps.smtp.from) : undefined;
  // update_status queues events in the outbox; this relay publishes them (any other relay may too).
  const relay = new OutboxRelay({ stores: deps.stores, bus: deps.bus, logger: deps.logger.child({ component: 'outbox-relay' }) });
  const processor = new ActionProcessor({ stores: deps.stores, logger: deps.logger, afterEntityCommit: () => relay.poke(), ...(mailer ? { mailer } : {}) });
  relay.start();
  // The commands already delivered go through as one batch: their outcomes are recorded in one store call.
  const subscription = await deps.bus.subscribeBatch('executor.actions', (messages) => processor.processBatch(messages), {
    onGiveUp: (message, giveUp) => processor.giveUp(message, giveUp),
    ...(deps.batchMax === undefined ? {} : { maxBatch: deps.batchMax }),
  });
  deps.logger.info({ email: Boolean(mailer) }, 'executor consuming executor.actions');
  return {
    async stop() {
      await subscription.cancel();
      await relay.stop();
      mailer?.close();
    },
  };
}
