import { runWorker } from '@flowline/runtime';
import { startExecutor } from './start-executor.ts';

await runWorker('executor', (config) => config.EXECUTOR_HEALTH_PORT, ({ config, infra, logger }) =>
  startExecutor({
    ...infra,
    logger,
    ...(config.SMTP_URL ? { smtp: { url: config.SMTP_URL, from: config.SMTP_FROM } } : {}),
  }),
);
