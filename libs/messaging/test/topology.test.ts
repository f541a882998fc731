import { describe, expect, it } from 'vitest';
import { queueArguments } from '../src/declare-topology.ts';
import { reconnectWaitMs } from '../src/amqp-bus.ts';
import { defineTopology, retryQueueFor } from '../src/topology.ts';

describe('defineTopology retry queues', () => {
  it('when maxAttempts is 5 with a 1 s base, then each work queue gets 1 s, 2 s, 4 s and 8 s retry queues that expire back into it', () => {
    const topology = defineTopology('ns', { maxAttempts: 5, retryDelay: { baseMs: 1000, maxMs: 30_000 } });
    const work = topology.queues['ns.engine.events']!;

    expect(work.retryQueues).toEqual([
      { queue: 'ns.engine.events.retry.1000ms', delayMs: 1000 },
      { queue: 'ns.engine.events.retry.2000ms', delayMs: 2000 },
      { queue: 'ns.engine.events.retry.4000ms', delayMs: 4000 },
      { queue: 'ns.engine.events.retry.8000ms', delayMs: 8000 },
    ]);
    expect(queueArguments(topology.queues['ns.engine.events.retry.2000ms']!, topology)).toEqual({
      'x-queue-type': 'classic',
      'x-message-ttl': 2000,
      'x-dead-letter-exchange': '',
      'x-dead-letter-routing-key': 'ns.engine.events',
    });
    expect(topology.bindings).toContainEqual({ exchange: 'ns.retry', queue: 'ns.executor.actions.retry.8000ms', routingKey: 'ns.executor.actions.retry.8000ms' });
  });

  it('when the delay reaches its cap, then later failures share the longest retry queue', () => {
    const topology = defineTopology('ns', { maxAttempts: 8, retryDelay: { baseMs: 100, maxMs: 300 } });
    const work = topology.queues['ns.executor.actions']!;

    expect(work.retryQueues?.map((step) => step.delayMs)).toEqual([100, 200, 300]);
    expect([1, 2, 3, 7].map((failed) => retryQueueFor(work, failed)?.delayMs)).toEqual([100, 200, 300, 300]);
  });

  it('when maxAttempts is 1, then there are no retry queues and a failure has nowhere to wait', () => {
    const work = defineTopology('ns', { maxAttempts: 1 }).queues['ns.engine.events']!;

    expect(work.retryQueues).toEqual([]);
    expect(retryQueueFor(work, 1)).toBeUndefined();
  });
});

describe('reconnectWaitMs', () => {
  it('when connection attempts keep failing, then the wait doubles up to the cap and is jittered between half and all of it', () => {
    const highest = [0, 1, 2, 3, 10].map((failed) => reconnectWaitMs(failed, 1000, 30_000, () => 1));
    const lowest = [0, 1, 2, 3, 10].map((failed) => reconnectWaitMs(failed, 1000, 30_000, () => 0));

    expect(highest).toEqual([1000, 2000, 4000, 8000, 30_000]);
    expect(lowest).toEqual([500, 1000, 2000, 4000, 15_000]);
  });
});
