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

  readonly eventsConsumed = counter(
    this.registry,
    'flowline_events_consumed_total',
    'Event messages the engine took from its queue, by outcome (processed, error: thrown, retried or dead-lettered).',
    ['module', 'trigger', 'tenant', 'outcome']
  );
  readonly rulesEvaluated = counter(
    this.registry,
    'flowline_rules_evaluated_total',
    'Active rules evaluated against an event.',
    ['module', 'trigger', 'tenant']
  );
  readonly rulesMatched = counter(
    this.registry,
    'flowline_rules_matched_total',
    'Rules whose conditions matched an event.',
    ['module', 'trigger', 'tenant']
  );
  readonly actionsExecuted = counter(
    this.registry,
    'flowline_actions_executed_total',
    'Action commands the executor ran, by outcome: succeeded, failed (recorded on the execution) or error (thrown; retried).',
    ['action_type', 'tenant', 'outcome']
  );
  readonly retries = counter(
    this.registry,
    'flowline_message_retries_total',
    'Messages handed back for redelivery after a transient failure.',
    ['queue']
  );
  readonly deadLettered = counter(
    this.registry,
    'flowline_messages_dead_lettered_total',
    'Messages given up on and copied to the dead-letter queue, by kind: permanent (bad message) or exhausted (attempts used up).',
    ['queue', 'kind']
  );
  readonly loopGuarded = counter(
    this.registry,
    'flowline_loop_guarded_total',
    'Events or actions stopped by the loop guard (causation depth or rate limit).',
    ['module', 'trigger', 'tenant', 'reason']
  );
  readonly processingSeconds = histogram(
    this.registry,
    'flowline_processing_duration_seconds',
    'Time one handler call took, from delivery to settle decision, per stage (engine, executor).',
    ['stage', 'outcome'],
    LATENCY_BUCKETS
  );
  readonly endToEndSeconds = histogram(
    this.registry,
    'flowline_end_to_end_latency_seconds',
    "From the event's time to its action executed.",
    ['action_type', 'tenant'],
    END_TO_END_BUCKETS
  );
  readonly consumerPrefetch = gauge(
    this.registry,
    'flowline_consumer_prefetch',
    'Prefetch (unacknowledged messages allowed) of each consumer in this process.',
    ['queue']
  );
  readonly consumerInFlight = gauge(
    this.registry,
    'flowline_consumer_in_flight',
    'Messages held by this process right now (of the prefetch), per queue.',
    ['queue']
  );
  readonly queueMessagesReady = gauge(
    this.registry,
    'flowline_queue_messages_ready',
    'Messages ready in a work queue (its backlog, not counting those delivered and unacked), polled with a passive queue.declare every BACKLOG_POLL_MS by each process consuming from the stage. Every consumer of a stage reports the same queues: aggregate with max by (queue).',
    ['queue', 'stage']
  );
  readonly queueOldestMessageAgeSeconds = gauge(
    this.registry,
    'flowline_queue_oldest_message_age_seconds',
    "Estimated age of a work queue's oldest ready message, set at each backlog poll: 0 when no message is ready; otherwise the time since the message this process most recently consumed from the queue was published (its AMQP timestamp property, whole seconds, or a timestamp_in_ms header). While a backlog drains that equals the head's age; when consumption stalls it keeps growing, an upper bound. Absent while messages are ready but the message this process consumed last from the queue carried no timestamp (or it consumed none yet). Aggregate with min by (queue).",
    ['queue', 'stage']
  );
  // A label, so that no series exists until a broker bus reports: a gauge without labels
  // would read 0 in standalone mode and look disconnected.
  readonly brokerConnected = gauge(
    this.registry,
    'flowline_broker_connected',
    '1 while connected to RabbitMQ, 0 while disconnected (absent for the in-memory bus).',
    ['broker']
  );
  readonly admissionDeferred = counter(
    this.registry,
    'flowline_admission_deferred_total',
    "Main-lane messages a consumer moved to its stage's deferred lane because their tenant was over a limit (reason: rate, in_flight) or already demoted (demoted).",
    ['stage', 'tenant', 'reason']
  );
  readonly deferredLaneConsumed = counter(
    this.registry,
    'flowline_deferred_lane_consumed_total',
    'Messages taken from a deferred lane, whether the broker routed them there (demoted tenant) or a consumer deferred them.',
    ['stage', 'tenant']
  );
  readonly tenantLaneChanges = counter(
    this.registry,
    'flowline_tenant_lane_changes_total',
    'Tenants this process demoted to the deferred lane or promoted back to the main lane, per stage.',
    ['stage', 'change']
  );
  readonly tenantsDemoted = gauge(
    this.registry,
    'flowline_tenants_demoted',
    'Tenants this process knows to be on the deferred lane right now, per stage.',
    ['stage']
  );

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

function counter<L extends string>(registry: Registry, name: string, help: string, labelNames: readonly L[]): Counter<L> {
  return new Counter({ name, help, labelNames, registers: [registry] });
}

function gauge<L extends string>(registry: Registry, name: string, help: string, labelNames: readonly L[]): Gauge<L> {
  return new Gauge({ name, help, labelNames, registers: [registry] });
}

function histogram<L extends string>(registry: Registry, name: string, help: string, labelNames: readonly L[], buckets: number[]): Histogram<L> {
  return new Histogram({ name, help, labelNames, buckets, registers: [registry] });
}
