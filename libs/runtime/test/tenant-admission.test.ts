import { parseTenantId } from '@flowline/contracts';
import { silentLogger } from '@flowline/observability';
import { openSqliteStores } from '@flowline/storage';
import { describe, expect, it } from 'vitest';
import { overridesOf, TenantAdmission, TenantLimitsCache, tenantOfMessage, type TenantLimits } from '../src/index.ts';

/** A clock the test moves by hand. */
function manualClock(): { now: () => number; advance(ms: number): void } {
  let time = 1_000;
  return { now: () => time, advance: (ms) => void (time += ms) };
}

const limits = (overrides: Partial<TenantLimits> = {}): TenantLimits => ({ maxInFlight: 100, rate: 10, burst: 5, ...overrides });

describe('TenantAdmission', () => {
  it('when a tenant sends more than its burst at once, then the burst is admitted and the rest refused for rate, while another tenant is still admitted', () => {
    const clock = manualClock();
    const admission = new TenantAdmission(() => limits(), clock.now);

    const outcomes = Array.from({ length: 8 }, () => admission.admit('noisy'));

    expect(outcomes).toEqual([undefined, undefined, undefined, undefined, undefined, 'rate', 'rate', 'rate']);
    expect(admission.admit('quiet')).toBeUndefined();
  });

  it('when time passes, then tokens come back at the rate, never beyond the burst', () => {
    const clock = manualClock();
    const admission = new TenantAdmission(() => limits(), clock.now);
    for (let i = 0; i < 5; i += 1) admission.admit('t');

    clock.advance(200); // 10/s for 0.2 s: two tokens
    const afterShortWait = [admission.admit('t'), admission.admit('t'), admission.admit('t')];
    clock.advance(60_000);
    const afterLongWait = Array.from({ length: 6 }, () => admission.admit('t'));

    expect(afterShortWait).toEqual([undefined, undefined, 'rate']);
    expect(afterLongWait.filter((outcome) => outcome === undefined)).toHaveLength(5);
  });

  it('when a tenant holds its most messages in flight, then the next is refused for in_flight until one is released, and deferred-lane messages count too', () => {
    const admission = new TenantAdmission(() => limits({ maxInFlight: 2, rate: 0 }));

    admission.hold('t');
    expect(admission.admit('t')).toBeUndefined();
    expect(admission.admit('t')).toBe('in_flight');
    expect(admission.inFlight('t')).toBe(2);
    admission.release('t');
    expect(admission.admit('t')).toBeUndefined();
  });

  it('when the rate is 0, then only the in-flight limit applies', () => {
    const admission = new TenantAdmission(() => limits({ rate: 0, burst: 1, maxInFlight: 1000 }));

    const outcomes = Array.from({ length: 500 }, () => admission.admit('t'));

    expect(outcomes.every((outcome) => outcome === undefined)).toBe(true);
  });

  it('when a tenant is idle with a full bucket, then forgetIdle drops it, and one with work in flight is kept', () => {
    const clock = manualClock();
    const admission = new TenantAdmission(() => limits(), clock.now);
    admission.admit('idle');
    admission.release('idle');
    admission.admit('busy');
    clock.advance(10_000);

    admission.forgetIdle();

    expect(admission.inFlight('busy')).toBe(1);
    // Forgotten, so it starts again with a full burst.
    expect(Array.from({ length: 5 }, () => admission.admit('idle')).every((outcome) => outcome === undefined)).toBe(true);
  });

  it('when idle tenants are swept, then their limits are not looked up again (a lookup may read their settings)', () => {
    const clock = manualClock();
    const looked: string[] = [];
    const admission = new TenantAdmission((tenant) => (looked.push(tenant), limits()), clock.now);
    admission.admit('idle');
    admission.release('idle');
    looked.length = 0;
    clock.advance(10);

    admission.forgetIdle();

    expect(looked).toEqual([]);
  });
});

describe('TenantLimitsCache', () => {
  it("when a tenant has overrides in its settings, then its limits are the defaults with them applied once read, and other tenants keep the defaults", async () => {
    const stores = await openSqliteStores(':memory:');
    try {
      const tenant = parseTenantId('acme');
      await stores.settings.put(tenant, { high_value_threshold: 10_000, flow_control: { max_events_in_flight: 3, event_rate: 1 } });
      const defaults = limits();
      const cache = new TenantLimitsCache({
        defaults,
        load: async (id) => overridesOf('engine', (await stores.settings.get(parseTenantId(id))).flow_control),
        logger: silentLogger(),
      });

      // The first lookup never waits for the store: it answers with the defaults.
      expect(cache.get('acme')).toEqual(defaults);
      await cache.settled();

      expect(cache.get('acme')).toEqual({ maxInFlight: 3, rate: 1, burst: 5 });
      expect(cache.get('other')).toEqual(defaults);
    } finally {
      await stores.close();
    }
  });

  it('when the TTL has passed, then the overrides are read again, and a failing read keeps the limits known so far', async () => {
    const clock = manualClock();
    let answer: () => Promise<Partial<TenantLimits> | undefined> = async () => ({ maxInFlight: 7 });
    const cache = new TenantLimitsCache({ defaults: limits(), load: () => answer(), ttlMs: 1000, logger: silentLogger(), now: clock.now });
    cache.get('t');
    await cache.settled();

    answer = async () => ({ maxInFlight: 9 });
    clock.advance(500);
    cache.get('t');
    await cache.settled();
    expect(cache.get('t').maxInFlight).toBe(7);

    clock.advance(600);
    cache.get('t');
    await cache.settled();
    expect(cache.get('t').maxInFlight).toBe(9);

    answer = async () => {
      throw new Error('store down');
    };
    clock.advance(1100);
    cache.get('t');
    await cache.settled();
    expect(cache.get('t').maxInFlight).toBe(9);
  });

  it('when more tenants are seen than it keeps, then the oldest is forgotten', async () => {
    let loads = 0;
    const cache = new TenantLimitsCache({ defaults: limits(), load: async () => ({ maxInFlight: ++loads }), maxTenants: 2, logger: silentLogger() });
    for (const tenant of ['a', 'b', 'c']) cache.get(tenant);
    await cache.settled();

    cache.get('a');
    await cache.settled();

    expect(loads).toBe(4);
  });
});

describe('overridesOf and tenantOfMessage', () => {
  it('when a tenant sets command and event limits, then the executor takes only the command limit and the engine only the event limits', () => {
    const settings = { max_events_in_flight: 2, event_rate: 3, event_burst: 4, max_commands_in_flight: 5 };

    expect(overridesOf('engine', settings)).toEqual({ maxInFlight: 2, rate: 3, burst: 4 });
    expect(overridesOf('executor', settings)).toEqual({ maxInFlight: 5 });
    expect(overridesOf('engine', undefined)).toBeUndefined();
  });

  it('when a message has no x-tenant-id header, then its tenant is read from the body, and a body without one names none', () => {
    const message = (headers: Record<string, unknown>, body: string) => ({ routingKey: 'k', content: Buffer.from(body), headers, deliveryCount: 1 });

    expect(tenantOfMessage(message({ 'x-tenant-id': 'from-header' }, '{"tenant_id":"from-body"}'))).toBe('from-header');
    expect(tenantOfMessage(message({ 'X-TENANT-ID': 'any-case' }, '{"tenant_id":"from-body"}'))).toBe('any-case');
    expect(tenantOfMessage(message({}, '{"tenant_id":"from-body"}'))).toBe('from-body');
    expect(tenantOfMessage(message({}, 'not json'))).toBeUndefined();
    expect(tenantOfMessage(message({}, '{"tenant_id":7}'))).toBeUndefined();
  });
});
