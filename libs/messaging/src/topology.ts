/*
 * The whole RabbitMQ topology as data, in one place (after rascal): code publishes to a
 * publication name and consumes from a subscription name, never to a hand-typed exchange.
 *
 *   publication "event"          → exchange <ns>.events  (topic, key <module>.<trigger>)
 *                                     → queue <ns>.engine.events        → subscription "engine.events"
 *   publication "action-command" → exchange <ns>.actions (topic, key action.<type>)
 *                                     → queue <ns>.executor.actions     → subscription "executor.actions"
 *   a message a consumer gives up on → exchange <ns>.dead-letter (direct, key = source queue)
 *                                     → queue <source queue>.dead-letter
 *   publication "rule-changes"   → exchange <ns>.rule-changes (fanout)
 *                                     → one exclusive, auto-delete queue per subscriber → broadcast "rule-changes"
 */

export type ExchangeType = 'topic' | 'direct' | 'fanout';

export interface ExchangeSpec {
  name: string;
  type: ExchangeType;
}

export interface QueueSpec {
  name: string;
  /** Quorum queues: replicated, and they count deliveries (x-delivery-count). */
  type: 'quorum' | 'classic';
  /** The queue its dead letters go to, if it has one. */
  deadLetterQueue?: string;
}

export interface BindingSpec {
  exchange: string;
  queue: string;
  routingKey: string;
}

export interface PublicationSpec {
  exchange: string;
}

export interface SubscriptionSpec {
  queue: string;
}

export const PUBLICATIONS = ['event', 'action-command', 'rule-changes'] as const;
export type PublicationName = (typeof PUBLICATIONS)[number];

export const SUBSCRIPTIONS = ['engine.events', 'executor.actions'] as const;
export type SubscriptionName = (typeof SUBSCRIPTIONS)[number];

/** Every subscriber gets its own copy, on a queue that lives as long as its connection. */
export const BROADCASTS = ['rule-changes'] as const;
export type BroadcastName = (typeof BROADCASTS)[number];

export interface BroadcastSpec {
  exchange: string;
}

export interface Topology {
  namespace: string;
  exchanges: { events: ExchangeSpec; actions: ExchangeSpec; deadLetter: ExchangeSpec; ruleChanges: ExchangeSpec };
  queues: Record<string, QueueSpec>;
  bindings: BindingSpec[];
  publications: Record<PublicationName, PublicationSpec>;
  subscriptions: Record<SubscriptionName, SubscriptionSpec>;
  broadcasts: Record<BroadcastName, BroadcastSpec>;
}

/**
 * Builds the topology under a namespace (default `flowline`), so that test runs and several
 * deployments can share one broker without seeing each other's messages.
 */
export function defineTopology(namespace = 'flowline'): Topology {
  const events: ExchangeSpec = { name: `${namespace}.events`, type: 'topic' };
  const actions: ExchangeSpec = { name: `${namespace}.actions`, type: 'topic' };
  const deadLetter: ExchangeSpec = { name: `${namespace}.dead-letter`, type: 'direct' };
  const ruleChanges: ExchangeSpec = { name: `${namespace}.rule-changes`, type: 'fanout' };

  const engineEvents = `${namespace}.engine.events`;
  const executorActions = `${namespace}.executor.actions`;
  const dlq = (queue: string) => `${queue}.dead-letter`;

  return {
    namespace,
    exchanges: { events, actions, deadLetter, ruleChanges },
    queues: {
      [engineEvents]: { name: engineEvents, type: 'quorum', deadLetterQueue: dlq(engineEvents) },
      [executorActions]: { name: executorActions, type: 'quorum', deadLetterQueue: dlq(executorActions) },
      [dlq(engineEvents)]: { name: dlq(engineEvents), type: 'quorum' },
      [dlq(executorActions)]: { name: dlq(executorActions), type: 'quorum' },
    },
    bindings: [
      { exchange: events.name, queue: engineEvents, routingKey: '#' },
      { exchange: actions.name, queue: executorActions, routingKey: '#' },
      { exchange: deadLetter.name, queue: dlq(engineEvents), routingKey: engineEvents },
      { exchange: deadLetter.name, queue: dlq(executorActions), routingKey: executorActions },
    ],
    publications: {
      event: { exchange: events.name },
      'action-command': { exchange: actions.name },
      'rule-changes': { exchange: ruleChanges.name },
    },
    subscriptions: {
      'engine.events': { queue: engineEvents },
      'executor.actions': { queue: executorActions },
    },
    broadcasts: {
      'rule-changes': { exchange: ruleChanges.name },
    },
  };
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
} as const;
