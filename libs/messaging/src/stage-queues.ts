import type { SubscriptionName, Topology } from './topology.ts';

/** A stage (`engine`, `executor`) and the work queues it consumes from. */
export interface StageQueues {
  stage: string;
  queues: string[];
}

/**
 * The work queues of a subscription's stage: the subscription's own queue and every lane of it
 * the topology declares, i.e. each queue named `<queue>.<lane>` that is neither a retry queue nor
 * a dead-letter queue (a deferred lane, say). Derived from the topology, so a lane added there is
 * covered by the backlog metrics and the autoscaling queries without code changes. The stage is
 * the subscription name's first part, as in the `stage` label of the processing metrics.
 */
export function stageQueuesOf(topology: Topology, subscription: SubscriptionName): StageQueues {
  const main = topology.subscriptions[subscription].queue;
  const deadLetterQueues = new Set(Object.values(topology.queues).flatMap((queue) => (queue.deadLetterQueue ? [queue.deadLetterQueue] : [])));
  const lanes = Object.values(topology.queues)
    .filter((queue) => queue.name.startsWith(`${main}.`) && queue.delay === undefined && !deadLetterQueues.has(queue.name))
    .map((queue) => queue.name);
  return { stage: subscription.split('.')[0]!, queues: [main, ...lanes] };
}
