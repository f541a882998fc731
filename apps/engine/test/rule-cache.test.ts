import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Rule, TenantId } from '@flowline/contracts';
import type { RuleStore } from '@flowline/storage';
import { RuleCache } from '../src/domain/rule-cache.ts';

const tenant = 'acme' as TenantId;
const trigger = 'high_value_opportunity';

function aRule(threshold: number): Rule {
  const now = new Date().toISOString();
  return {
    id: randomUUID(),
    tenant_id: tenant,
    name: `over ${threshold}`,
    version: 1,
    description: '',
    module_type: 'sales',
    trigger_id: trigger,
    conditions: [{ type: 'value_threshold', value: threshold }],
    actions: [{ type: 'send_notification', parameters: { recipient: 'a@b.c', message: 'x' } }],
    is_active: true,
    created_at: now,
    updated_at: now,
  };
}

/** A store whose reads are counted and can be held back, to interleave a notice with a load. */
class FakeRuleStore {
  rules: Rule[] = [aRule(100)];
  reads = 0;
  gate: Promise<void> | undefined;

  async findActiveByTrigger(): Promise<Rule[]> {
    this.reads += 1;
    const snapshot = [...this.rules];
    await this.gate;
    return snapshot;
  }
}

const cacheOn = (store: FakeRuleStore) => new RuleCache(store as unknown as RuleStore, { settleMs: 5 });

describe('RuleCache', () => {
  it('when a tenant sends many events, then its rules are read from the store once and compiled functions are reused', async () => {
    const store = new FakeRuleStore();
    const cache = cacheOn(store);

    const sets = await Promise.all(Array.from({ length: 10 }, () => cache.rulesFor(tenant, trigger)));
    const later = await cache.rulesFor(tenant, trigger);

    expect(store.reads).toBe(1);
    expect(later).toBe(sets[0]);
    expect(later[0]?.conditions({ value: 150 }).matched).toBe(true);
  });

  it('when a change notice arrives, then the next event reads the new version', async () => {
    const store = new FakeRuleStore();
    const cache = cacheOn(store);
    await cache.rulesFor(tenant, trigger);

    store.rules = [aRule(1000)];
    cache.invalidate(tenant, trigger);
    const [rule] = await cache.rulesFor(tenant, trigger);

    expect(rule?.conditions({ value: 150 }).matched).toBe(false);
  });

  it('when a notice arrives while a load that read the old version is still running, then that load is not cached', async () => {
    const store = new FakeRuleStore();
    const cache = cacheOn(store);
    const release = Promise.withResolvers<void>();
    store.gate = release.promise;
    const racing = cache.rulesFor(tenant, trigger);

    store.rules = [aRule(1000)];
    cache.invalidate(tenant, trigger);
    store.gate = undefined;
    const fresh = await cache.rulesFor(tenant, trigger);
    release.resolve();
    await racing;
    const after = await cache.rulesFor(tenant, trigger);

    expect(fresh[0]?.rule.conditions).toEqual([{ type: 'value_threshold', value: 1000 }]);
    expect(after[0]?.rule.conditions).toEqual([{ type: 'value_threshold', value: 1000 }]);
  });

  it("when a notice for another tenant arrives while a load is running, then that load is still cached", async () => {
    const store = new FakeRuleStore();
    const cache = cacheOn(store);
    const release = Promise.withResolvers<void>();
    store.gate = release.promise;
    const loading = cache.rulesFor(tenant, trigger);

    cache.invalidate('globex' as TenantId, trigger);
    release.resolve();
    await loading;
    store.gate = undefined;
    await cache.rulesFor(tenant, trigger);

    expect(store.reads).toBe(1);
  });

  it('when notices may have been missed, then clear() makes every tenant read the store again', async () => {
    const store = new FakeRuleStore();
    const cache = cacheOn(store);
    await cache.rulesFor(tenant, trigger);
    await cache.rulesFor('globex' as TenantId, trigger);

    cache.clear();
    await cache.rulesFor(tenant, trigger);
    await cache.rulesFor('globex' as TenantId, trigger);

    expect(store.reads).toBe(4);
  });

  it('when more rules are cached than maxRules allows, then the least recently used rule sets are dropped', async () => {
    const store = new FakeRuleStore();
    const cache = new RuleCache(store as unknown as RuleStore, { maxRules: 4 });

    for (let t = 0; t < 5; t += 1) await cache.rulesFor(`t${t}` as TenantId, trigger);

    // Each set of one rule counts as two; four fit in no more than two sets.
    expect(cache.size).toBe(2);
  });
});
