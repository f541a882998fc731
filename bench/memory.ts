/*
 * `npm run bench:memory [-- --tenants 10000 --rules 20]`: RSS and heap of an engine's rule cache
 * holding every tenant's compiled rule set. The rules come from an in-memory store, so that
 * only what the cache keeps is measured (no database pages or driver buffers).
 */
import { parseArgs } from 'node:util';
import type { Rule, TenantId } from '@flowline/contracts';
import type { RuleStore } from '@flowline/storage';
import { RuleCache } from '../apps/engine/src/domain/rule-cache.ts';
import { BENCH_TRIGGER, benchRules, tenantId } from './workload.ts';

const { values } = parseArgs({ options: { tenants: { type: 'string', default: '10000' }, rules: { type: 'string', default: '20' } } });
const tenants = Number(values.tenants);
const rulesPerTrigger = Number(values.rules);

const gc = (globalThis as { gc?: () => void }).gc;
const measure = () => {
  gc?.();
  const { rss, heapUsed } = process.memoryUsage();
  return { rssMiB: rss / 1024 / 1024, heapMiB: heapUsed / 1024 / 1024 };
};

const store = {
  // Each tenant's rules are built on demand and only the cache keeps them.
  findActiveByTrigger: async (tenant: TenantId): Promise<Rule[]> => benchRules(tenant, rulesPerTrigger),
} as unknown as RuleStore;
const cache = new RuleCache(store, { ttlMs: 3_600_000 });

const before = measure();
for (let t = 0; t < tenants; t += 1) {
  const rules = await cache.rulesFor(tenantId(t), BENCH_TRIGGER);
  // Evaluate once, as an engine would, so lazily built V8 state is counted too.
  rules.forEach((rule) => rule.conditions({ value: 20_000, region: 'emea', owner: { level: 1 } }));
}
const after = measure();
const cached = tenants * rulesPerTrigger;
console.log(`rule cache: ${tenants} tenants × ${rulesPerTrigger} rules = ${cached} compiled rules, ${cache.size} cache entries${gc ? '' : ' (run with --expose-gc for exact figures)'}`);
console.log(`rss ${before.rssMiB.toFixed(0)} → ${after.rssMiB.toFixed(0)} MiB, heap ${before.heapMiB.toFixed(0)} → ${after.heapMiB.toFixed(0)} MiB`);
console.log(`≈ ${(((after.heapMiB - before.heapMiB) * 1024 * 1024) / cached).toFixed(0)} bytes of heap per cached rule; the cache is bounded by RULE_CACHE_MAX_RULES (default 250000)`);
