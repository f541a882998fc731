import { runWorker } from '@flowline/runtime';
import { engineOptionsFromConfig, startEngine } from './start-engine.ts';

await runWorker('engine', (config) => config.ENGINE_HEALTH_PORT, ({ config, infra, logger }) =>
  startEngine({ ...infra, logger, ...engineOptionsFromConfig(config) }),
);
