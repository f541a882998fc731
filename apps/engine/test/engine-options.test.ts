import { describe, expect, it } from 'vitest';
import { loadConfig } from '@flowline/config';
import { engineOptionsFromConfig } from '@flowline/engine';

describe('engineOptionsFromConfig', () => {
  it('when the rule cache, loop guard, schedule horizon and fan-out budgets are configured, then every entry point gets those settings', () => {
    const config = loadConfig({ RULE_CACHE_MAX_RULES: '1234', RULE_CACHE_TTL_MS: '5000', LOOP_GUARD_MAX_DEPTH: '3', FANOUT_BUDGET_PER_CHAIN: '50', FANOUT_TENANT_ACTIONS_PER_MINUTE: '0' });
    expect(engineOptionsFromConfig(config)).toEqual({
      loopGuardMaxDepth: 3,
      ruleCache: { maxRules: 1234, ttlMs: 5000 },
      maxScheduleAheadMs: 366 * 86_400_000,
      fanoutBudget: { perChain: 50, tenantActionsPerMinute: 0 },
    });
  });
});
