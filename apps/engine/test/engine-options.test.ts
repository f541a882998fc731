import { describe, expect, it } from 'vitest';
import { loadConfig } from '@flowline/config';
import { engineOptionsFromConfig } from '@flowline/engine';

describe('engineOptionsFromConfig', () => {
  it('when the rule cache, loop guard, schedule horizon, fan-out budgets, batch size and flow control are configured, then every entry point gets those settings', () => {
    const config = loadConfig({
      RULE_CACHE_MAX_RULES: '1234',
      RULE_CACHE_TTL_MS: '5000',
      LOOP_GUARD_MAX_DEPTH: '3',
      FANOUT_BUDGET_PER_CHAIN: '50',
      FANOUT_TENANT_ACTIONS_PER_MINUTE: '0',
      BATCH_MAX: '7',
      TENANT_MAX_EVENTS_IN_FLIGHT: '4',
      TENANT_EVENT_RATE: '2.5',
      TENANT_EVENT_BURST: '10',
      DEFERRED_PREFETCH: '3',
      TENANT_PROMOTE_AFTER_MS: '700',
      TENANT_LIMITS_CACHE_TTL_MS: '800',
    });
    expect(engineOptionsFromConfig(config)).toEqual({
      loopGuardMaxDepth: 3,
      ruleCache: { maxRules: 1234, ttlMs: 5000 },
      maxScheduleAheadMs: 366 * 86_400_000,
      fanoutBudget: { perChain: 50, tenantActionsPerMinute: 0 },
      batchMax: 7,
      flowControl: { limits: { maxInFlight: 4, rate: 2.5, burst: 10 }, deferredPrefetch: 3, promoteAfterMs: 700, overridesTtlMs: 800 },
    });
  });

  it('when nothing is configured, then consumers hold 64 messages and batch at most 32', () => {
    const config = loadConfig({});
    expect([config.PREFETCH, config.BATCH_MAX, engineOptionsFromConfig(config).batchMax]).toEqual([64, 32, 32]);
  });

  it('when nothing is configured, then a tenant may hold 16 events, at 100/s with a burst of 200, and the deferred lane takes a quarter of the prefetch', () => {
    expect(engineOptionsFromConfig(loadConfig({ PREFETCH: '40' })).flowControl).toEqual({
      limits: { maxInFlight: 16, rate: 100, burst: 200 },
      deferredPrefetch: 10,
      promoteAfterMs: 5000,
      overridesTtlMs: 60_000,
    });
  });
});
