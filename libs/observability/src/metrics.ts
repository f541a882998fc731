import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/*
 * Every Prometheus metric Flowline exports, in one registry per process (the api, an engine, an
 * executor, or all three in `npm start`). Code increments them where the work happens; the api
 * serves the registry on its port and the workers on their health port, at GET /metrics.
 *
 * Label values are bounded: module and trigger come from the catalogue (unknown ones are
 * counted as `unknown`), action types from the contract, outcomes from fixed lists, queues from
 * the topology. A tenant is a label value only when METRICS_TENANT_LABELS names it; every other
 * tenant is `other`, so a deployment with thousands of tenants still has a fixed series count.
 */

const LATENCY_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
const END_TO_END_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900];

/** The tenant label value of every tenant METRICS_TENANT_LABELS does not name. */
export const OTHER_TENANT = 'other';

export interface MetricsOptions {
  /** Which role this process runs; a default label on every series. */
  service?: string;
  /**
   * Tenants that get their own `tenant` label value (METRICS_TENANT_LABELS).
   * @defaultValue none: every tenant is counted as `other`
   */
  tenantLabels?: readonly string[];
}

export class FlowlineMetrics {
  readonly registry = new Registry();
  #tenants = new Set<string>();

  readonly eventsConsumed = new Counter({
    name: 'flowline_events_consumed_total',
    help: 'Event messages the engine took from its queue, by outcome (processed, error: thrown, retried or dead-lettered).',
    labelNames: ['module', 'trigger', 'tenant', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly rulesEvaluated = new Counter({
    name: 'flowline_rules_evaluated_total',
    help: 'Active rules evaluated against an event.',
    labelNames: ['module', 'trigger', 'tenant'] as const,
    registers: [this.registry],
  });
  readonly rulesMatched = new Counter({
    name: 'flowline_rules_matched_total',
    help: 'Rules whose conditions matched an event.',
    labelNames: ['module', 'trigger', 'tenant'] as const,
    registers: [this.registry],
  });
  readonly actionsExecuted = new Counter({
    name: 'flowline_actions_executed_total',
    help: 'Action commands the executor ran, by outcome: succeeded, failed (recorded on the execution) or error (thrown; retried).',
    labelNames: ['action_type', 'tenant', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly retries = new Counter({
    name: 'flowline_message_retries_total',
    help: 'Messages handed back for redelivery after a transient failure.',
    labelNames: ['queue'] as const,
    registers: [this.registry],
  });
  readonly deadLettered = new Counter({
    name: 'flowline_messages_dead_lettered_total',
    help: 'Messages given up on and copied to the dead-letter queue, by kind: permanent (bad message) or exhausted (attempts used up).',
    labelNames: ['queue', 'kind'] as const,
    registers: [this.registry],
  });
  readonly loopGuarded = new Counter({
    name: 'flowline_loop_guarded_total',
    help: 'Events or actions stopped by the loop guard (causation depth or rate limit).',
    labelNames: ['module', 'trigger', 'tenant', 'reason'] as const,
    registers: [this.registry],
  });
  readonly processingSeconds = new Histogram({
    name: 'flowline_processing_duration_seconds',
    help: 'Time one handler call took, from delivery to settle decision, per stage (engine, executor).',
    labelNames: ['stage', 'outcome'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  readonly endToEndSeconds = new Histogram({
    name: 'flowline_end_to_end_latency_seconds',
    help: "From the event's time to its action executed.",
    labelNames: ['action_type', 'tenant'] as const,
    buckets: END_TO_END_BUCKETS,
    registers: [this.registry],
  });
  readonly consumerPrefetch = new Gauge({
    name: 'flowline_consumer_prefetch',
    help: 'Prefetch (unacknowledged messages allowed) of each consumer in this process.',
    labelNames: ['queue'] as const,
    registers: [this.registry],
  });
  readonly consumerInFlight = new Gauge({
    name: 'flowline_consumer_in_flight',
    help: 'Messages held by this process right now (of the prefetch), per queue.',
    labelNames: ['queue'] as const,
    registers: [this.registry],
  });
  readonly brokerConnected = new Gauge({
    name: 'flowline_broker_connected',
    help: '1 while connected to RabbitMQ, 0 while disconnected (absent for the in-memory bus).',
    // A label, so that no series exists until a broker bus reports: a gauge without labels
    // would read 0 in standalone mode and look disconnected.
    labelNames: ['broker'] as const,
    registers: [this.registry],
  });

  constructor(options: MetricsOptions = {}) {
    this.configure(options);
    collectDefaultMetrics({ register: this.registry });
  }

  /** Sets the service label and the tenant allow-list (once the configuration is read). */
  configure(options: MetricsOptions): void {
    if (options.service) this.registry.setDefaultLabels({ service: options.service });
    if (options.tenantLabels) this.#tenants = new Set(options.tenantLabels);
  }

  /** The tenant's label value: itself when allow-listed, else `other`. */
  tenant(tenantId: string): string {
    return this.#tenants.has(tenantId) ? tenantId : OTHER_TENANT;
  }

  /** The exposition text and its content type, for GET /metrics. */
  async exposition(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}

let processMetrics: FlowlineMetrics | undefined;

/** The one registry of this process, created on first use. */
export function metrics(): FlowlineMetrics {
  processMetrics ??= new FlowlineMetrics();
  return processMetrics;
}

/** METRICS_TENANT_LABELS: a comma-separated allow-list, blanks ignored. */
export function parseTenantLabels(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((tenant) => tenant.trim())
    .filter((tenant) => tenant !== '');
}
