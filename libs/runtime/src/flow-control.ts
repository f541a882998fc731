import { DEFAULT_TENANT_LIMITS, type Config } from '@flowline/config';
import { TenantIdSchema } from '@flowline/contracts';
import { HEADERS, routableTenantOf, type BatchHandler, type IncomingMessage, type LanedSubscription, type MessageBus, type SubscribeOptions } from '@flowline/messaging';
import type { Logger } from '@flowline/observability';
import type { Stores } from '@flowline/storage';
import { FairSubscription } from './fair-subscription.ts';
import { TenantAdmission, type TenantLimits } from './tenant-admission.ts';
import { TenantLimitsCache } from './tenant-limits-cache.ts';

/*
 * Per-tenant flow control as the engine and the executor run it (docs/fairness.md): the
 * configuration's defaults, each tenant's overrides from its settings, and the two-lane consumer.
 */

export type FlowControlStage = 'engine' | 'executor';

export interface FlowControlOptions {
  /** The limits of a tenant that sets none. @defaultValue the configuration's defaults for the stage */
  limits?: TenantLimits;
  /** Prefetch of the deferred lane. @defaultValue the bus's prefetch */
  deferredPrefetch?: number;
  /** @defaultValue 5000 */
  promoteAfterMs?: number;
  /** How long a tenant's overrides are used before they are read again. @defaultValue 60000 */
  overridesTtlMs?: number;
}

/** The limits of a tenant without overrides, for a stage: only the engine meters a rate. */
export function defaultTenantLimits(stage: FlowControlStage, config?: Config): TenantLimits {
  if (stage === 'executor') return { maxInFlight: config?.TENANT_MAX_COMMANDS_IN_FLIGHT ?? DEFAULT_TENANT_LIMITS.maxCommandsInFlight, rate: 0, burst: 1 };
  return {
    maxInFlight: config?.TENANT_MAX_EVENTS_IN_FLIGHT ?? DEFAULT_TENANT_LIMITS.maxEventsInFlight,
    rate: config?.TENANT_EVENT_RATE ?? DEFAULT_TENANT_LIMITS.eventRate,
    burst: config?.TENANT_EVENT_BURST ?? DEFAULT_TENANT_LIMITS.eventBurst,
  };
}

/** A role's flow-control settings, read from the configuration in one place. */
export function flowControlFromConfig(config: Config, stage: FlowControlStage): FlowControlOptions {
  return {
    limits: defaultTenantLimits(stage, config),
    deferredPrefetch: config.DEFERRED_PREFETCH ?? Math.max(1, Math.floor(config.PREFETCH / 4)),
    promoteAfterMs: config.TENANT_PROMOTE_AFTER_MS,
    overridesTtlMs: config.TENANT_LIMITS_CACHE_TTL_MS,
  };
}

/**
 * The tenant of a delivered event or command: its `x-tenant-id` header, or, for a publisher that
 * left the header out, its body's `tenant_id`. Undefined when neither names one (the handler then
 * rejects the message as it always did).
 */
export function tenantOfMessage(message: IncomingMessage): string | undefined {
  const header = routableTenantOf(message.headers) ?? anySpelling(message.headers);
  if (header !== undefined) return header;
  try {
    const body: unknown = JSON.parse(message.content.toString('utf8'));
    const tenant = typeof body === 'object' && body !== null ? (body as Record<string, unknown>)['tenant_id'] : undefined;
    return typeof tenant === 'string' && tenant !== '' ? tenant : undefined;
  } catch {
    return undefined;
  }
}

/** The tenant header in a spelling the broker does not route by (the contract accepts any letter case). */
function anySpelling(headers: Record<string, unknown>): string | undefined {
  for (const [name, value] of Object.entries(headers)) {
    if (name.toLowerCase() === HEADERS.tenantId && typeof value === 'string' && value !== '') return value;
  }
  return undefined;
}

/** Subscribes a stage's handler to both its lanes with per-tenant admission. */
export async function subscribeWithFlowControl(deps: {
  bus: MessageBus;
  stores: Stores;
  logger: Logger;
  stage: FlowControlStage;
  subscription: LanedSubscription;
  handler: BatchHandler;
  maxBatch?: number | undefined;
  subscribeOptions?: SubscribeOptions;
  flowControl?: FlowControlOptions | undefined;
}): Promise<FairSubscription> {
  const options = deps.flowControl ?? {};
  const logger = deps.logger.child({ component: 'flow-control' });
  const limits = new TenantLimitsCache({
    defaults: options.limits ?? defaultTenantLimits(deps.stage),
    load: async (tenant) => {
      // A malformed tenant id has no settings; the handler dead-letters its message.
      const parsed = TenantIdSchema.safeParse(tenant);
      return parsed.success ? overridesOf(deps.stage, (await deps.stores.settings.get(parsed.data)).flow_control) : undefined;
    },
    ...(options.overridesTtlMs === undefined ? {} : { ttlMs: options.overridesTtlMs }),
    logger,
  });
  return FairSubscription.start({
    bus: deps.bus,
    subscription: deps.subscription,
    stage: deps.stage,
    handler: deps.handler,
    admission: new TenantAdmission((tenant) => limits.get(tenant)),
    tenantOf: tenantOfMessage,
    logger,
    ...(deps.maxBatch === undefined ? {} : { maxBatch: deps.maxBatch }),
    ...(deps.subscribeOptions === undefined ? {} : { subscribeOptions: deps.subscribeOptions }),
    ...(options.deferredPrefetch === undefined ? {} : { deferredPrefetch: options.deferredPrefetch }),
    ...(options.promoteAfterMs === undefined ? {} : { promoteAfterMs: options.promoteAfterMs }),
  });
}

/** A tenant's settings as limits of a stage; what it leaves out stays the default. */
export function overridesOf(
  stage: FlowControlStage,
  settings: { max_events_in_flight?: number | undefined; event_rate?: number | undefined; event_burst?: number | undefined; max_commands_in_flight?: number | undefined } | undefined,
): Partial<TenantLimits> | undefined {
  if (settings === undefined) return undefined;
  if (stage === 'executor') return { maxInFlight: settings.max_commands_in_flight };
  return { maxInFlight: settings.max_events_in_flight, rate: settings.event_rate, burst: settings.event_burst };
}
