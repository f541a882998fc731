/*
 * The whole RabbitMQ topology as data, in one place (after rascal): code publishes to a
 * publication name and consumes from a subscription name, never to a hand-typed exchange.
 *
 *   publication "event"          → exchange <ns>.events  (topic, key <module>.<trigger>)
 *                                     → exchange <ns>.events.admission (headers; e2e binding '#')
 *                                         a demoted tenant (binding x-tenant-id = it)
 *                                           → queue <ns>.engine.events.deferred → subscription "engine.events.deferred"
 *                                         everyone else (no binding matches: the alternate exchange)
 *                                           → exchange <ns>.events.main (fanout)
 *                                           → queue <ns>.engine.events       → subscription "engine.events"
 *   publication "action-command" → exchange <ns>.actions (topic, key action.<type>)
 *                                     → <ns>.actions.admission → <ns>.executor.actions.deferred or,
 *                                       through <ns>.actions.main, <ns>.executor.actions
 *                                       (subscriptions "executor.actions.deferred" / "executor.actions")
 *   a message its consumer defers   → exchange <ns>.deferral (direct, key = deferred queue)
 *                                     → <ns>.engine.events.deferred or <ns>.executor.actions.deferred
 *   a message to try again later    → exchange <ns>.retry (direct, key = retry queue)
 *                                     → queue <work queue>.retry.<delay>ms (classic, message TTL)
 *                                     → on expiry, dead-lettered through the default exchange
 *                                       straight back into <work queue>
 *   a message a consumer gives up on → exchange <ns>.dead-letter (direct, key = source queue)
 *                                     → queue <source queue>.dead-letter
 *   publication "rule-changes"   → exchange <ns>.rule-changes (fanout)
 *                                     → one exclusive, auto-delete queue per subscriber → broadcast "rule-changes"
 *
 * Retries wait in one queue per delay step rather than in one queue with a per-message
 * expiration: RabbitMQ only expires messages at the head of a queue, so a 2 s message queued
 * behind a 30 s one would wait 30 s. With one TTL per queue, every message in a queue expires in
 * the order it arrived. The delay is in the queue's name, so changing the retry settings
 * declares new queues instead of failing on a redeclaration with different arguments.
 *
 * The two lanes per stage are what keeps one tenant's flood from standing in front of everyone
 * else (docs/fairness.md): the consumer demotes a tenant over its limits by binding the deferred
 * queue to the admission exchange for that tenant's x-tenant-id, and promotes it by unbinding.
 * A deferred queue shares its work queue's retry queues (they return to the main lane) and
 * dead-letter queue, so the failure plan is the same on both lanes.
 */

export type ExchangeType = 'topic' | 'direct' | 'fanout' | 'headers';

export interface ExchangeSpec {
  name: string;
  type: ExchangeType;
  /** Where a message goes that no binding of this exchange matches (RabbitMQ's `alternate-exchange`). */
  alternateExchange?: string;
}

export interface QueueSpec {
  name: string;
  /** Quorum queues: replicated, and they count deliveries (x-delivery-count). */
  type: 'quorum' | 'classic';
  /** The queue its dead letters go to, if it has one. */
  deadLetterQueue?: string;
  /** Where a failed message waits before it is tried again, shortest delay first (work queues). */
  retryQueues?: RetryQueueRef[];
  /** A retry queue: each message waits `delayMs`, then goes back into `returnsTo`. */
  delay?: { ms: number; returnsTo: string };
}

export interface RetryQueueRef {
  queue: string;
  delayMs: number;
}

export interface RetryOptions {
  /**
   * Deliveries of a message whose handler keeps failing transiently before it is dead-lettered;
   * a retry queue is declared for each distinct delay up to this many attempts.
   * @defaultValue 5
   */
  maxAttempts?: number;
  /**
   * Delay before a transiently failed message is delivered again: `baseMs`, doubling on each
   * further failure, at most `maxMs`.
   * @defaultValue `{ baseMs: 1000, maxMs: 30000 }`
   */
  retryDelay?: { baseMs: number; maxMs: number };
}

export const DEFAULT_MAX_ATTEMPTS = 5;
export const DEFAULT_RETRY_DELAY = { baseMs: 1000, maxMs: 30_000 };

export interface BindingSpec {
  exchange: string;
  queue: string;
  routingKey: string;
}

/** A binding whose destination is another exchange: messages routed by it are routed again there. */
export interface ExchangeBindingSpec {
  source: string;
  destination: string;
  routingKey: string;
}

/** How a stage's messages reach its main and deferred lanes. */
export interface LaneSpec {
  /** Headers exchange the entry exchange hands every message to; a demoted tenant's binding lives here. */
  admission: string;
  /** Fanout to the work queue: the admission exchange's alternate exchange. */
  main: string;
  /** The queue a demoted tenant's messages go to, and deferred messages are copied into. */
  deferredQueue: string;
  /** The subscription that reads `deferredQueue`. */
  deferred: DeferredSubscriptionName;
}

/**
 * The spellings of the tenant header a demotion binds: the broker matches header names exactly, while
 * the documented contract accepts the header in any letter case. A publisher using another spelling is
 * still held to its limits by the consumer, message by message.
 */
export const TENANT_HEADER_SPELLINGS = ['x-tenant-id', 'X-Tenant-ID', 'X-Tenant-Id'] as const;

/** The header bindings that send one tenant's messages to a deferred lane, one per spelling. */
export function tenantLaneBindings(tenant: string): Array<Record<string, string>> {
  // `all-with-x`, not `all`: RabbitMQ leaves headers that start with x- out of `all` and `any`, and a
  // binding on x-tenant-id alone would then match every message (RabbitMQ 3.10 or later).
  return TENANT_HEADER_SPELLINGS.map((name) => ({ 'x-match': 'all-with-x', [name]: tenant }));
}

/** The tenant a message's header names in a spelling the broker routes by, if any. */
export function routableTenantOf(headers: Record<string, unknown>): string | undefined {
  for (const name of TENANT_HEADER_SPELLINGS) {
    const value = headers[name];
    if (typeof value === 'string' && value !== '') return value;
  }
  return undefined;
}

export interface PublicationSpec {
  exchange: string;
  /**
   * A message nobody will consume is an error the publisher sees (it is published `mandatory`),
   * not a confirmed message the broker drops. False for notices that may find no listener.
   */
  mustRoute: boolean;
}

export interface SubscriptionSpec {
  queue: string;
  /** Where a replayed dead letter of this queue is published again: the way it first came in. */
  replayTo: PublicationName;
}

export const PUBLICATIONS = ['event', 'action-command', 'rule-changes'] as const;
export type PublicationName = (typeof PUBLICATIONS)[number];

export const SUBSCRIPTIONS = ['engine.events', 'executor.actions', 'engine.events.deferred', 'executor.actions.deferred'] as const;
export type SubscriptionName = (typeof SUBSCRIPTIONS)[number];
/** The stages with two lanes, named by their main lane's subscription. */
export const LANED_SUBSCRIPTIONS = ['engine.events', 'executor.actions'] as const;
export type LanedSubscription = (typeof LANED_SUBSCRIPTIONS)[number];
export type DeferredSubscriptionName = `${LanedSubscription}.deferred`;
export type Lane = 'main' | 'deferred';

/** Every subscriber gets its own copy, on a queue that lives as long as its connection. */
export const BROADCASTS = ['rule-changes'] as const;
export type BroadcastName = (typeof BROADCASTS)[number];

export interface BroadcastSpec {
  exchange: string;
}

export interface Topology {
  namespace: string;
  exchanges: {
    events: ExchangeSpec;
    actions: ExchangeSpec;
    eventsAdmission: ExchangeSpec;
    eventsMain: ExchangeSpec;
    actionsAdmission: ExchangeSpec;
    actionsMain: ExchangeSpec;
    deferral: ExchangeSpec;
    retry: ExchangeSpec;
    deadLetter: ExchangeSpec;
    ruleChanges: ExchangeSpec;
  };
  queues: Record<string, QueueSpec>;
  bindings: BindingSpec[];
  exchangeBindings: ExchangeBindingSpec[];
  /**
   * Bindings of earlier versions that must go, or they would bypass the lanes: declaring the
   * topology removes them (unbinding one that is not there is no error).
   */
  obsoleteBindings: BindingSpec[];
  lanes: Record<LanedSubscription, LaneSpec>;
  publications: Record<PublicationName, PublicationSpec>;
  subscriptions: Record<SubscriptionName, SubscriptionSpec>;
  /** The retry policy the retry queues were declared for; consumers follow it. */
  retry: { maxAttempts: number; retryDelay: { baseMs: number; maxMs: number } };
  broadcasts: Record<BroadcastName, BroadcastSpec>;
  /**
   * `roles`: every role declares the topology on connect (needs configure permission).
   * `operator`: the broker's definitions declare it; roles only check it is there.
   */
  declaredBy: 'roles' | 'operator';
}

/**
 * Builds the topology under a namespace (default `flowline`), so that test runs and several
 * deployments can share one broker without seeing each other's messages.
 */
export function defineTopology(namespace = 'flowline', retry: RetryOptions = {}, declaredBy: Topology['declaredBy'] = 'roles'): Topology {
  const events: ExchangeSpec = { name: `${namespace}.events`, type: 'topic' };
  const actions: ExchangeSpec = { name: `${namespace}.actions`, type: 'topic' };
  const retryExchange: ExchangeSpec = { name: `${namespace}.retry`, type: 'direct' };
  const deadLetter: ExchangeSpec = { name: `${namespace}.dead-letter`, type: 'direct' };
  const ruleChanges: ExchangeSpec = { name: `${namespace}.rule-changes`, type: 'fanout' };
  const deferral: ExchangeSpec = { name: `${namespace}.deferral`, type: 'direct' };
  const eventsMain: ExchangeSpec = { name: `${namespace}.events.main`, type: 'fanout' };
  const eventsAdmission: ExchangeSpec = { name: `${namespace}.events.admission`, type: 'headers', alternateExchange: eventsMain.name };
  const actionsMain: ExchangeSpec = { name: `${namespace}.actions.main`, type: 'fanout' };
  const actionsAdmission: ExchangeSpec = { name: `${namespace}.actions.admission`, type: 'headers', alternateExchange: actionsMain.name };

  const engineEvents = `${namespace}.engine.events`;
  const executorActions = `${namespace}.executor.actions`;
  const dlq = (queue: string) => `${queue}.dead-letter`;
  const maxAttempts = retry.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  const retryDelay = retry.retryDelay ?? DEFAULT_RETRY_DELAY;
  const delays = retryDelaySteps(maxAttempts, retryDelay);
  const retryQueuesOf = (queue: string): RetryQueueRef[] => delays.map((delayMs) => ({ queue: `${queue}.retry.${delayMs}ms`, delayMs }));

  const queues: Record<string, QueueSpec> = {};
  const bindings: BindingSpec[] = [];
  const exchangeBindings: ExchangeBindingSpec[] = [];
  const obsoleteBindings: BindingSpec[] = [];
  const lanes = {} as Record<LanedSubscription, LaneSpec>;
  for (const [subscription, work, exchange, admission, main] of [
    ['engine.events', engineEvents, events, eventsAdmission, eventsMain],
    ['executor.actions', executorActions, actions, actionsAdmission, actionsMain],
  ] as const) {
    const retryQueues = retryQueuesOf(work);
    const deferred = `${work}.deferred`;
    queues[work] = { name: work, type: 'quorum', deadLetterQueue: dlq(work), retryQueues };
    queues[deferred] = { name: deferred, type: 'quorum', deadLetterQueue: dlq(work), retryQueues };
    queues[dlq(work)] = { name: dlq(work), type: 'quorum' };
    exchangeBindings.push({ source: exchange.name, destination: admission.name, routingKey: '#' });
    bindings.push({ exchange: main.name, queue: work, routingKey: '' });
    bindings.push({ exchange: deferral.name, queue: deferred, routingKey: deferred });
    obsoleteBindings.push({ exchange: exchange.name, queue: work, routingKey: '#' });
    bindings.push({ exchange: deadLetter.name, queue: dlq(work), routingKey: work });
    bindings.push({ exchange: deadLetter.name, queue: dlq(work), routingKey: deferred });
    lanes[subscription] = { admission: admission.name, main: main.name, deferredQueue: deferred, deferred: `${subscription}.deferred` };
    for (const { queue, delayMs } of retryQueues) {
      // Classic: the broker's own expiry dead-lettering is what moves them back.
      queues[queue] = { name: queue, type: 'classic', delay: { ms: delayMs, returnsTo: work } };
      bindings.push({ exchange: retryExchange.name, queue, routingKey: queue });
    }
  }

  return {
    namespace,
    exchanges: { events, actions, eventsAdmission, eventsMain, actionsAdmission, actionsMain, deferral, retry: retryExchange, deadLetter, ruleChanges },
    queues,
    bindings,
    exchangeBindings,
    obsoleteBindings,
    lanes,
    publications: {
      event: { exchange: events.name, mustRoute: true },
      'action-command': { exchange: actions.name, mustRoute: true },
      // No engine running means no cache to invalidate: engines that start later read fresh.
      'rule-changes': { exchange: ruleChanges.name, mustRoute: false },
    },
    subscriptions: {
      'engine.events': { queue: engineEvents, replayTo: 'event' },
      'executor.actions': { queue: executorActions, replayTo: 'action-command' },
      'engine.events.deferred': { queue: lanes['engine.events'].deferredQueue, replayTo: 'event' },
      'executor.actions.deferred': { queue: lanes['executor.actions'].deferredQueue, replayTo: 'action-command' },
    },
    retry: { maxAttempts, retryDelay },
    broadcasts: {
      'rule-changes': { exchange: ruleChanges.name },
    },
    declaredBy,
  };
}

/**
 * The spec of a queue a subscription reads. One the topology lacks is a mistake in the topology, found at
 * start-up: a default would silently give the queue no retry queues and no dead-letter queue.
 */
export function queueSpecOf(topology: Topology, queue: string): QueueSpec {
  const spec = topology.queues[queue];
  if (spec === undefined) throw new Error(`queue '${queue}' is not in the topology's queues`);
  return spec;
}

/** The lanes of the stage a subscription reads, main or deferred; undefined for a stage without lanes. */
export function laneOf(topology: Topology, subscription: SubscriptionName): LaneSpec | undefined {
  const stage = subscription.endsWith('.deferred') ? subscription.slice(0, -'.deferred'.length) : subscription;
  return (topology.lanes as Record<string, LaneSpec | undefined>)[stage];
}

/** The distinct waits before attempts 2..maxAttempts: `min(base * 2^(n-1), max)`. */
export function retryDelaySteps(maxAttempts: number, { baseMs, maxMs }: { baseMs: number; maxMs: number }): number[] {
  const steps: number[] = [];
  for (let failed = 1; failed < maxAttempts; failed += 1) {
    const delay = retryDelayMs(failed, { baseMs, maxMs });
    if (!steps.includes(delay)) steps.push(delay);
  }
  return steps;
}

/** `min(base * 2^(n-1), max)` after the n-th delivery failed, in whole milliseconds. */
export function retryDelayMs(failedDeliveries: number, { baseMs, maxMs }: { baseMs: number; maxMs: number }): number {
  const exponent = Math.max(0, Math.min(failedDeliveries - 1, 30));
  return Math.max(1, Math.round(Math.min(baseMs * 2 ** exponent, maxMs)));
}

/** The retry queue a message waits in after its n-th failed delivery (the longest once past the end). */
export function retryQueueFor(queue: QueueSpec, failedDeliveries: number): RetryQueueRef | undefined {
  const steps = queue.retryQueues ?? [];
  return steps[Math.min(Math.max(failedDeliveries, 1), steps.length) - 1];
}

/** Routing key of a business event: `<module_type>.<trigger_id>`, e.g. `sales.opportunity_created`. */
export function eventRoutingKey(moduleType: string, triggerId: string): string {
  return `${moduleType}.${triggerId}`;
}

/** Routing key of an action command: `action.<type>`, e.g. `action.send_notification`. */
export function actionRoutingKey(actionType: string): string {
  return `action.${actionType}`;
}

/** Headers Flowline sets on the wire. */
export const HEADERS = {
  tenantId: 'x-tenant-id',
  reason: 'x-flowline-reason',
  attempts: 'x-flowline-attempts',
  firstFailedAt: 'x-flowline-first-failed-at',
  deadLetteredAt: 'x-flowline-dead-lettered-at',
  originalExchange: 'x-flowline-original-exchange',
  originalRoutingKey: 'x-flowline-original-routing-key',
  /** On an action command: the `time` of the event that caused it, for end-to-end latency. */
  eventTime: 'x-flowline-event-time',
  /** On a retry or dead-letter copy: how many of the original's headers were too large to keep. */
  headersDropped: 'x-flowline-headers-dropped',
  /** On a replayed dead letter: which replay run sent it, so that run stops when it comes back. */
  replayRun: 'x-flowline-replay-run',
  /** On a message its consumer moved to the deferred lane: when that first happened (ISO 8601). */
  deferredAt: 'x-flowline-deferred-at',
} as const;
