import { describe, expect, it } from 'vitest';
import { loadConfig } from '@flowline/config';
import { engineOptionsFromConfig } from '@flowline/engine';

describe('engineOptionsFromConfig', () => {
  it('when the rule cache, loop guard, schedule horizon, fan-out budgets and batch size are configured, then every entry point gets those settings', () => {
    const config = loadConfig({ RULE_CACHE_MAX_RULES: '1234', RULE_CACHE_TTL_MS: '5000', LOOP_GUARD_MAX_DEPTH: '3', FANOUT_BUDGET_PER_CHAIN: '50', FANOUT_TENANT_ACTIONS_PER_MINUTE: '0', BATCH_MAX: '7' });
    expect(engineOptionsFromConfig(config)).toEqual({
      loopGuardMaxDepth: 3,
      ruleCache: { maxRules: 1234, ttlMs: 5000 },
      maxScheduleAheadMs: 366 * 86_400_000,
      fanoutBudget: { perChain: 50, tenantActionsPerMinute: 0 },
      batchMax: 7,
    });
  });

  it('when nothing is configured, then consumers hold 64 messages and batch at most 32', () => {
    const config = loadConfig({});
    expect([config.PREFETCH, config.BATCH_MAX, engineOptionsFromConfig(config).batchMax]).toEqual([64, 32, 32]);
  });
});
