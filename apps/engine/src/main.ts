import { runWorker } from '@flowline/runtime';
import { startEngine } from './start-engine.ts';

await runWorker('engine', (config) => config.ENGINE_HEALTH_PORT, ({ config, infra, logger }) =>
  startEngine({
    ...infra,
    logger,
    loopGuardMaxDepth: config.LOOP_GUARD_MAX_DEPTH,
    ruleCache: { maxRules: config.RULE_CACHE_MAX_RULES, ttlMs: config.RULE_CACHE_TTL_MS },
  }),
);
