import { describe, expect, it } from 'vitest';
import { loadConfig } from '@flowline/config';
import { engineOptionsFromConfig } from '@flowline/engine';

describe('engineOptionsFromConfig', () => {
  it('when the rule cache, loop guard and batch size are configured, then every entry point gets those settings', () => {
    const config = loadConfig({ RULE_CACHE_MAX_RULES: '1234', RULE_CACHE_TTL_MS: '5000', LOOP_GUARD_MAX_DEPTH: '3', BATCH_MAX: '7' });
    expect(engineOptionsFromConfig(config)).toEqual({ loopGuardMaxDepth: 3, batchMax: 7, ruleCache: { maxRules: 1234, ttlMs: 5000 }, maxScheduleAheadMs: 366 * 86_400_000 });
  });

  it('when nothing is configured, then consumers hold 64 messages and batch at most 32', () => {
    const config = loadConfig({});
    expect([config.PREFETCH, config.BATCH_MAX, engineOptionsFromConfig(config).batchMax]).toEqual([64, 32, 32]);
  });
});
