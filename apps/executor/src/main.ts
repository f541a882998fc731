import { runWorker } from '@flowline/runtime';
import { executorOptionsFromConfig, startExecutor } from './start-executor.ts';

await runWorker('executor', (config) => config.EXECUTOR_HEALTH_PORT, ({ config, infra, logger }) =>
  startExecutor({ ...infra, logger, ...executorOptionsFromConfig(config) }),
);
