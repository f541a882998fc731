/** What one tenant may take of one consumer (an engine's events, an executor's commands). */
export interface TenantLimits {
  /** Messages of the tenant this process holds at once, both lanes together. */
  maxInFlight: number;
  /** Main-lane messages per second the tenant is admitted at, sustained; 0 = no rate limit. */
  rate: number;
  /** Main-lane messages the tenant may be admitted at once above its rate (the bucket's size). */
  burst: number;
}

/** Why a main-lane message was not admitted. */
export type AdmissionRefusal = 'rate' | 'in_flight';

interface TenantState {
  /** The tenant's limits as last looked up, for the sweep: it must not read limits (and so settings) of idle tenants. */
  limits: TenantLimits;
  inFlight: number;
  tokens: number;
  /** When `tokens` was last brought up to date (ms, the admission's clock). */
  refilledAt: number;
}

/**
 * Per-tenant admission in one consumer process: a token bucket (rate, burst) and a count of the
 * tenant's messages in flight. A main-lane message is admitted only when its tenant has a token
 * and room in flight; a deferred-lane message is always taken (it has waited its turn) but counts
 * in flight, so that a tenant being drained from its deferred lane gets no more from the main one.
 * A few map lookups per message: no timers, no I/O.
 */
export class TenantAdmission {
  readonly #limitsOf: (tenant: string) => TenantLimits;
  readonly #now: () => number;
  readonly #tenants = new Map<string, TenantState>();

  /**
   * @param limitsOf - the tenant's limits, looked up on every admission (a cache, see TenantLimitsCache)
   * @param now - the clock, in ms @defaultValue `performance.now`
   */
  constructor(limitsOf: (tenant: string) => TenantLimits, now: () => number = () => performance.now()) {
    this.#limitsOf = limitsOf;
    this.#now = now;
  }

  /** A main-lane message: counted in flight and charged a token, or refused with the reason. */
  admit(tenant: string): AdmissionRefusal | undefined {
    const limits = this.#limitsOf(tenant);
    const state = this.#stateOf(tenant, limits);
    if (state.inFlight >= limits.maxInFlight) return 'in_flight';
    if (limits.rate > 0) {
      this.#refill(state, limits);
      if (state.tokens < 1) return 'rate';
      state.tokens -= 1;
    }
    state.inFlight += 1;
    return undefined;
  }

  /** A deferred-lane message: counted in flight, whatever the limits. */
  hold(tenant: string): void {
    this.#stateOf(tenant, this.#limitsOf(tenant)).inFlight += 1;
  }

  /** The message admitted or held for the tenant is settled. */
  release(tenant: string): void {
    const state = this.#tenants.get(tenant);
    if (state !== undefined && state.inFlight > 0) state.inFlight -= 1;
  }

  inFlight(tenant: string): number {
    return this.#tenants.get(tenant)?.inFlight ?? 0;
  }

  /** Forgets tenants with nothing in flight and a full bucket: they would start the same afresh. */
  forgetIdle(): void {
    for (const [tenant, state] of this.#tenants) {
      if (state.inFlight > 0) continue;
      this.#refill(state, state.limits);
      if (state.limits.rate <= 0 || state.tokens >= state.limits.burst) this.#tenants.delete(tenant);
    }
  }

  #stateOf(tenant: string, limits: TenantLimits): TenantState {
    let state = this.#tenants.get(tenant);
    if (state === undefined) {
      state = { limits, inFlight: 0, tokens: Math.max(1, limits.burst), refilledAt: this.#now() };
      this.#tenants.set(tenant, state);
    }
    state.limits = limits;
    return state;
  }

  #refill(state: TenantState, limits: TenantLimits): void {
    const now = this.#now();
    const elapsed = Math.max(0, now - state.refilledAt);
    state.tokens = Math.min(Math.max(1, limits.burst), state.tokens + (elapsed * limits.rate) / 1000);
    state.refilledAt = now;
  }
}
