import { runWorker } from '@flowline/runtime';
import { startEngine } from './start-engine.ts';

await runWorker('engine', (config) => config.ENGINE_HEALTH_PORT, ({ infra, logger }) => startEngine({ ...infra, logger }));
