import { LRUCache } from 'lru-cache';
import type { Logger } from '@flowline/observability';
import type { TenantLimits } from './tenant-admission.ts';

export interface TenantLimitsCacheOptions {
  /** The limits of a tenant without overrides (from the configuration). */
  defaults: TenantLimits;
  /** Reads a tenant's overrides (the settings store); `undefined` or a missing field means the default. */
  load(tenant: string): Promise<Partial<TenantLimits> | undefined>;
  /**
   * How long overrides read once are used before they are read again.
   * @defaultValue 60000
   */
  ttlMs?: number;
  /**
   * Tenants kept; the longest unread go first.
   * @defaultValue 100000
   */
  maxTenants?: number;
  logger: Logger;
  /** @defaultValue `performance.now` */
  now?: () => number;
}

interface Entry {
  limits: TenantLimits;
  expiresAt: number;
  loading: boolean;
}

/**
 * A tenant's limits for the hot path: answered at once from memory, never awaited. A tenant not
 * read yet, or read longer than `ttlMs` ago, gets what is known (the defaults at first) while its
 * overrides are read in the background, so a changed setting takes effect within `ttlMs`.
 */
export class TenantLimitsCache {
  readonly #options: TenantLimitsCacheOptions;
  readonly #ttlMs: number;
  readonly #now: () => number;
  readonly #entries: LRUCache<string, Entry>;

  constructor(options: TenantLimitsCacheOptions) {
    this.#options = options;
    this.#ttlMs = options.ttlMs ?? 60_000;
    this.#now = options.now ?? (() => performance.now());
    // lru-cache (already the rule cache's): reading a tenant keeps it, so the longest unread goes first.
    this.#entries = new LRUCache<string, Entry>({ max: options.maxTenants ?? 100_000 });
  }

  get(tenant: string): TenantLimits {
    let entry = this.#entries.get(tenant);
    if (entry === undefined) {
      entry = { limits: this.#options.defaults, expiresAt: 0, loading: false };
      this.#entries.set(tenant, entry);
    }
    if (!entry.loading && entry.expiresAt <= this.#now()) this.#load(tenant, entry);
    return entry.limits;
  }

  /** Reads the tenant's overrides again on its next message. */
  invalidate(tenant: string): void {
    const entry = this.#entries.peek(tenant);
    if (entry !== undefined) entry.expiresAt = 0;
  }

  /** Resolves once no read is under way (for tests). */
  async settled(): Promise<void> {
    while ([...this.#entries.values()].some((entry) => entry.loading)) await new Promise((resolve) => setImmediate(resolve));
  }

  #load(tenant: string, entry: Entry): void {
    entry.loading = true;
    this.#options.load(tenant).then(
      (overrides) => {
        entry.limits = { ...this.#options.defaults, ...definedOnly(overrides) };
        entry.expiresAt = this.#now() + this.#ttlMs;
        entry.loading = false;
      },
      (error: unknown) => {
        // The limits known so far stay; the next message of the tenant tries again after the TTL.
        entry.expiresAt = this.#now() + this.#ttlMs;
        entry.loading = false;
        this.#options.logger.warn({ err: error }, "could not read a tenant's flow-control settings; using the limits known so far");
      },
    );
  }
}

function definedOnly(overrides: Partial<TenantLimits> | undefined): Partial<TenantLimits> {
  return Object.fromEntries(Object.entries(overrides ?? {}).filter(([, value]) => value !== undefined));
}
