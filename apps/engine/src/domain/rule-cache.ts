import { LRUCache } from 'lru-cache';
import type { Rule, TenantId } from '@flowline/contracts';
import { compileConditions, compileParameters, type CompiledConditions, type CompiledParameters } from '@flowline/rules';
import type { RuleStore } from '@flowline/storage';

/** A rule with its conditions and action templates compiled once, for this version of the rule. */
export interface CompiledRule {
  rule: Rule;
  conditions: CompiledConditions;
  /** One per action, in order. */
  actions: CompiledParameters<Record<string, unknown>>[];
}

/** Where the engine gets a tenant's active rules for a trigger, compiled. */
export interface RuleSource {
  rulesFor(tenant: TenantId, triggerId: string): Promise<readonly CompiledRule[]>;
}

export function compileRule(rule: Rule): CompiledRule {
  return {
    rule,
    conditions: compileConditions(rule.conditions),
    actions: rule.actions.map((action) => compileParameters(action.parameters as Record<string, unknown>)),
  };
}

/** Reads the store for every event; what an EventProcessor uses unless given a cache. */
export class UncachedRuleSource implements RuleSource {
  readonly #store: RuleStore;

  constructor(store: RuleStore) {
    this.#store = store;
  }

  async rulesFor(tenant: TenantId, triggerId: string): Promise<readonly CompiledRule[]> {
    return (await this.#store.findActiveByTrigger(tenant, triggerId)).map(compileRule);
  }
}

export interface RuleCacheOptions {
  /**
   * Rules held at most, over all tenants and triggers (an empty rule set counts as one); the
   * least recently used tenant/trigger sets go first.
   * @defaultValue 250000
   */
  maxRules?: number;
  /**
   * How long a cached rule set is used at most: the safety net for a change notice that never
   * arrived (broker trouble while the api published it).
   * @defaultValue 60000
   */
  ttlMs?: number;
  /**
   * A change notice drops the entry at once and again this much later, so that a reload which
   * raced the notice and read the old version (a store whose reads lag its writes) is not kept.
   * @defaultValue 250
   */
  settleMs?: number;
}

/**
 * Each tenant's active rules per trigger, compiled, in a bounded LRU (lru-cache: size-bounded,
 * TTL, well kept), so that a hot tenant's events touch no database. Rule changes arrive as
 * broadcast notices ({@link RuleCache.invalidate}); after a gap in those notices (a reconnect)
 * the whole cache is dropped ({@link RuleCache.clear}).
 *
 * Concurrent misses for one key share one load. A load that was running when a notice for its
 * key arrived (or the whole cache was cleared) is used for the events that waited on it but not
 * cached, since it may predate the change; loads of other keys are not affected.
 */
export class RuleCache implements RuleSource {
  readonly #store: RuleStore;
  readonly #settleMs: number;
  readonly #entries: LRUCache<string, readonly CompiledRule[]>;
  readonly #loading = new Map<string, Promise<readonly CompiledRule[]>>();
  /** The token of each key's running load; a notice for the key revokes it. */
  readonly #loadTokens = new Map<string, object>();
  #epoch = 0;

  constructor(store: RuleStore, options: RuleCacheOptions = {}) {
    this.#store = store;
    this.#settleMs = options.settleMs ?? 250;
    this.#entries = new LRUCache({
      maxSize: options.maxRules ?? 250_000,
      sizeCalculation: (rules) => rules.length + 1,
      ttl: options.ttlMs ?? 60_000,
    });
  }

  get size(): number {
    return this.#entries.size;
  }

  rulesFor(tenant: TenantId, triggerId: string): Promise<readonly CompiledRule[]> {
    const key = keyOf(tenant, triggerId);
    const cached = this.#entries.get(key);
    if (cached) return Promise.resolve(cached);
    let loading = this.#loading.get(key);
    if (!loading) {
      loading = this.#load(key, tenant, triggerId);
      this.#loading.set(key, loading);
      const settled = loading;
      settled.then(
        () => this.#forgetLoad(key, settled),
        () => this.#forgetLoad(key, settled),
      );
    }
    return loading;
  }

  /** A rule of this tenant and trigger was created, changed or deleted. */
  invalidate(tenant: TenantId, triggerId: string): void {
    const key = keyOf(tenant, triggerId);
    this.#drop(key);
    setTimeout(() => this.#drop(key), this.#settleMs).unref();
  }

  /** Notices may have been missed: nothing cached can be trusted. */
  clear(): void {
    this.#epoch += 1;
    this.#entries.clear();
    this.#loading.clear();
    this.#loadTokens.clear();
  }

  async #load(key: string, tenant: TenantId, triggerId: string): Promise<readonly CompiledRule[]> {
    const epoch = this.#epoch;
    const token = {};
    this.#loadTokens.set(key, token);
    try {
      const rules = (await this.#store.findActiveByTrigger(tenant, triggerId)).map(compileRule);
      if (epoch === this.#epoch && this.#loadTokens.get(key) === token) this.#entries.set(key, rules);
      return rules;
    } finally {
      if (this.#loadTokens.get(key) === token) this.#loadTokens.delete(key);
    }
  }

  #drop(key: string): void {
    this.#loadTokens.delete(key);
    this.#entries.delete(key);
    this.#loading.delete(key);
  }

  #forgetLoad(key: string, loading: Promise<readonly CompiledRule[]>): void {
    if (this.#loading.get(key) === loading) this.#loading.delete(key);
  }
}

/** Tenant ids and trigger ids never contain a space, so the pair maps to one key. */
function keyOf(tenant: TenantId, triggerId: string): string {
  return `${tenant} ${triggerId}`;
}
