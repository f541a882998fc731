import { DeferMessage, HEADERS, routableTenantOf, type BatchHandler, type IncomingMessage, type LanedSubscription, type MessageBus, type SubscribeOptions, type Subscription } from '@flowline/messaging';
import { metrics, type Logger } from '@flowline/observability';
import type { AdmissionRefusal, TenantAdmission } from './tenant-admission.ts';

export interface FairSubscriptionOptions {
  bus: MessageBus;
  /** The stage's main lane; its deferred lane is `<subscription>.deferred`. */
  subscription: LanedSubscription;
  /** The stage, as metrics label it. */
  stage: 'engine' | 'executor';
  /** Handles the admitted messages of both lanes, as a batch. */
  handler: BatchHandler;
  admission: TenantAdmission;
  /** The tenant a message belongs to, or undefined when it names none (the handler rejects it). */
  tenantOf(message: IncomingMessage): string | undefined;
  /**
   * Prefetch of the deferred lane: its share of this consumer while the main lane has work (all of
   * the consumer when the main lane is idle).
   * @defaultValue the bus's prefetch (the roles pass a quarter of PREFETCH, see flowControlFromConfig)
   */
  deferredPrefetch?: number;
  /** @defaultValue the bus's prefetch */
  maxBatch?: number;
  /** Passed to both lanes' subscriptions (e.g. `onGiveUp`). */
  subscribeOptions?: SubscribeOptions;
  /**
   * A demoted tenant is promoted once no message of it has come off the deferred lane for this long.
   * @defaultValue 5000
   */
  promoteAfterMs?: number;
  logger: Logger;
  /** @defaultValue `performance.now` */
  now?: () => number;
}

/** A demotion this process made or learnt of (from the tenant's messages on the deferred lane). */
interface Demotion {
  /** When this process last bound the tenant to the deferred lane, or learnt it was. */
  assertedAt: number;
  /** When a message of the tenant last came off the deferred lane. */
  lastDeferredAt: number;
}

/** The deferred lane waits until the main lane has had no demoted tenant's message to move aside for this long… */
const DRAIN_QUIET_MS = 50;
/** …but never longer than this per batch, so that it always makes progress. */
const DRAIN_MAX_WAIT_MS = 500;

/** The demotion binding is asserted again at most this often, when the tenant's messages still arrive on the main lane. */
const REASSERT_AFTER_MS = 1000;

/**
 * One stage's consumer on both lanes, with per-tenant admission (docs/fairness.md). A main-lane
 * message whose tenant is over its limits is deferred, never dropped: the bus copies it to the
 * deferred lane and acks it, and the tenant is demoted, so that the broker sends its next messages
 * straight there. Deferred-lane messages are always processed, with a smaller prefetch. A tenant
 * is promoted once nothing of it has come off the deferred lane for `promoteAfterMs`. Binding and
 * unbinding are idempotent, so several consumers need nothing but the broker to agree: a
 * consumer that promotes too early sees the tenant over its limits again and demotes it again.
 */
export class FairSubscription implements Subscription {
  readonly #options: FairSubscriptionOptions;
  readonly #now: () => number;
  readonly #promoteAfterMs: number;
  readonly #demoted = new Map<string, Demotion>();
  /** Lane changes under way, so that a tenant gets one bind or unbind call at a time. */
  readonly #changing = new Set<string>();
  readonly #subscriptions: Subscription[] = [];
  #timer: NodeJS.Timeout | undefined;
  /** When this consumer last moved a demoted tenant's message off the main lane. */
  #drainingAt = -Infinity;
  #cancelled: Promise<void> | undefined;

  private constructor(options: FairSubscriptionOptions) {
    this.#options = options;
    this.#now = options.now ?? (() => performance.now());
    this.#promoteAfterMs = options.promoteAfterMs ?? 5000;
  }

  static async start(options: FairSubscriptionOptions): Promise<FairSubscription> {
    const fair = new FairSubscription(options);
    const { bus, subscription, maxBatch } = options;
    const batch = { ...options.subscribeOptions, ...(maxBatch === undefined ? {} : { maxBatch }) };
    fair.#subscriptions.push(await bus.subscribeBatch(subscription, (messages) => fair.#onMain(messages), batch));
    const deferredPrefetch = options.deferredPrefetch === undefined ? {} : { prefetch: options.deferredPrefetch };
    fair.#subscriptions.push(await bus.subscribeBatch(`${subscription}.deferred`, (messages) => fair.#onDeferred(messages), { ...batch, ...deferredPrefetch }));
    fair.#timer = setInterval(() => fair.#tick(), Math.max(100, Math.floor(fair.#promoteAfterMs / 4)));
    fair.#timer.unref();
    return fair;
  }

  /** Tenants this process knows to be on the deferred lane. */
  get demotedTenants(): string[] {
    return [...this.#demoted.keys()];
  }

  cancel(): Promise<void> {
    this.#cancelled ??= (async () => {
      clearInterval(this.#timer);
      await Promise.all(this.#subscriptions.map((subscription) => subscription.cancel()));
    })();
    return this.#cancelled;
  }

  #onMain(messages: readonly IncomingMessage[]): ReadonlyArray<Promise<void>> {
    const { admission } = this.#options;
    const results: Array<Promise<void> | undefined> = new Array(messages.length);
    const admitted: IncomingMessage[] = [];
    const admittedAt: number[] = [];
    const tenants: Array<string | undefined> = [];
    let demoting = false;
    for (const [index, message] of messages.entries()) {
      const tenant = this.#options.tenantOf(message);
      // A demoted tenant's messages still on the main lane (published before its binding took effect) are all
      // deferred, tokens or not: they would otherwise be processed ahead of the other tenants' messages behind them.
      const refusal = tenant === undefined ? undefined : this.#demoted.has(tenant) ? 'demoted' : admission.admit(tenant);
      if (tenant !== undefined && refusal !== undefined) {
        results[index] = deferred();
        if (refusal === 'demoted') this.#drainingAt = this.#now();
        demoting = this.#overLimit(tenant, refusal, message) || demoting;
        continue;
      }
      admitted.push(message);
      admittedAt.push(index);
      tenants.push(tenant);
    }
    if (admitted.length === 0) return results as Promise<void>[];
    const handled = demoting ? this.#handleLater(admitted, setImmediate) : this.#options.handler(admitted);
    for (const [position, promise] of handled.entries()) {
      const tenant = tenants[position];
      if (tenant !== undefined) promise.then(() => admission.release(tenant), () => admission.release(tenant));
      results[admittedAt[position]!] = promise;
    }
    return results as Promise<void>[];
  }

  #onDeferred(messages: readonly IncomingMessage[]): ReadonlyArray<Promise<void>> {
    const { admission, stage } = this.#options;
    const now = this.#now();
    const tenants = messages.map((message) => {
      // Routed here by the broker, not deferred by a consumer: it has waited since it was published.
      if (message.headers[HEADERS.deferredAt] === undefined) message.headers[HEADERS.deferredAt] = new Date(message.publishedAt ?? Date.now()).toISOString();
      const tenant = this.#options.tenantOf(message);
      if (tenant === undefined) return undefined;
      admission.hold(tenant);
      metrics().deferredLaneConsumed.inc({ stage, tenant: metrics().tenant(tenant) });
      if (routableTenantOf(message.headers) !== undefined) {
        const demotion = this.#demoted.get(tenant);
        if (demotion === undefined) this.#learnDemoted(tenant, now);
        else demotion.lastDeferredAt = now;
      }
      return tenant;
    });
    const handled = now - this.#drainingAt < DRAIN_QUIET_MS ? this.#handleLater(messages, (run) => this.#afterDrain(now, run)) : this.#options.handler(messages);
    for (const [index, promise] of handled.entries()) {
      const tenant = tenants[index];
      if (tenant !== undefined) promise.then(() => admission.release(tenant), () => admission.release(tenant));
    }
    return handled;
  }

  /**
   * Calls `run` once the main lane has had no demoted tenant's message to move aside for {@link DRAIN_QUIET_MS}, or
   * {@link DRAIN_MAX_WAIT_MS} after `since` at most. While a flood's first messages are still on the main lane, every
   * message of it this consumer handles from the deferred lane competes for the broker with their copies, and so with
   * the other tenants' messages queued behind them.
   */
  #afterDrain(since: number, run: () => void): void {
    const now = this.#now();
    const quietFor = now - this.#drainingAt;
    if (quietFor >= DRAIN_QUIET_MS || now - since >= DRAIN_MAX_WAIT_MS) run();
    else setTimeout(() => this.#afterDrain(since, run), DRAIN_QUIET_MS - quietFor).unref();
  }

  /**
   * The handler's outcomes for a batch it is given when `schedule` calls back: on the next turn of the event loop after
   * a demotion (the binding the batch asked for then reaches the socket ahead of the batch's work, its rules and its
   * store transaction), or after the main lane's drain ({@link FairSubscription.#afterDrain}).
   */
  #handleLater(messages: readonly IncomingMessage[], schedule: (run: () => void) => void): ReadonlyArray<Promise<void>> {
    const handled = new Promise<ReadonlyArray<Promise<void>>>((resolve, reject) =>
      schedule(() => {
        try {
          resolve(this.#options.handler(messages));
        } catch (error) {
          reject(error);
        }
      }),
    );
    return messages.map((_, index) => handled.then((outcomes) => outcomes[index] ?? Promise.reject(new Error('the batch handler returned no outcome for this message'))));
  }

  /** Counts a message over its tenant's limits, and demotes the tenant; true when that asked the broker for a lane change. */
  #overLimit(tenant: string, refusal: AdmissionRefusal | 'demoted', message: IncomingMessage): boolean {
    const { stage } = this.#options;
    metrics().admissionDeferred.inc({ stage, tenant: metrics().tenant(tenant), reason: refusal });
    // The broker routes by the header only: without it, every message of the tenant is deferred here instead.
    if (routableTenantOf(message.headers) === undefined) return false;
    const now = this.#now();
    const demotion = this.#demoted.get(tenant);
    if (demotion !== undefined && now - demotion.assertedAt < REASSERT_AFTER_MS) return false;
    if (demotion === undefined) {
      this.#demoted.set(tenant, { assertedAt: now, lastDeferredAt: now });
      metrics().tenantLaneChanges.inc({ stage, change: 'demoted' });
      metrics().tenantsDemoted.set({ stage }, this.#demoted.size);
      this.#options.logger.info({ tenant_id: tenant, reason: refusal, stage }, 'tenant over its limits; demoted to the deferred lane');
    } else {
      // Still arriving on the main lane: another consumer may have promoted it meanwhile.
      demotion.assertedAt = now;
    }
    return this.#changeLane(tenant, 'deferred');
  }

  #learnDemoted(tenant: string, now: number): void {
    this.#demoted.set(tenant, { assertedAt: now, lastDeferredAt: now });
    metrics().tenantsDemoted.set({ stage: this.#options.stage }, this.#demoted.size);
  }

  #tick(): void {
    const now = this.#now();
    const { admission, stage } = this.#options;
    for (const [tenant, demotion] of this.#demoted) {
      if (now - Math.max(demotion.lastDeferredAt, demotion.assertedAt) < this.#promoteAfterMs || admission.inFlight(tenant) > 0) continue;
      this.#demoted.delete(tenant);
      metrics().tenantLaneChanges.inc({ stage, change: 'promoted' });
      this.#options.logger.info({ tenant_id: tenant, stage }, 'tenant quiet again; promoted to the main lane');
      this.#changeLane(tenant, 'main');
    }
    metrics().tenantsDemoted.set({ stage }, this.#demoted.size);
    admission.forgetIdle();
  }

  /** Asks the broker to move the tenant; false when a change of its lane is already under way. */
  #changeLane(tenant: string, lane: 'main' | 'deferred'): boolean {
    if (this.#changing.has(tenant)) return false;
    this.#changing.add(tenant);
    const started = this.#now();
    this.#options.bus
      .setTenantLane(this.#options.subscription, tenant, lane)
      .then(() => this.#options.logger.info({ tenant_id: tenant, lane, ms: Math.round(this.#now() - started) }, 'tenant lane changed at the broker'))
      .catch((error: unknown) => {
        // Nothing is lost either way: over its limits the tenant is deferred here, message by message.
        this.#options.logger.warn({ err: error, tenant_id: tenant, lane }, 'could not move a tenant to another lane; trying again on its next message');
        if (lane === 'main') this.#learnDemoted(tenant, this.#now() - this.#promoteAfterMs);
      })
      .finally(() => this.#changing.delete(tenant));
    return true;
  }
}

/** The promise a deferred message settles with: handled here, so that nothing reports it as unhandled. */
function deferred(): Promise<void> {
  const promise = Promise.reject(new DeferMessage());
  promise.catch(() => {});
  return promise;
}
