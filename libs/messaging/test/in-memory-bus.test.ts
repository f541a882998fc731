import { describe, expect, it } from 'vitest';
import { PublishError } from '../src/errors.ts';
import { InMemoryBus } from '../src/in-memory-bus.ts';
import { defineTopology } from '../src/topology.ts';
import { anEvent, busContract, CONTRACT_MAX_ATTEMPTS, Inbox } from './bus-contract.ts';
import { waitFor } from './support/wait-for.ts';

const fastRetries = { baseMs: 5, maxMs: 20 };

describe('InMemoryBus', () => {
  busContract(async (namespace, adjust) => {
    const topology = defineTopology(namespace, { maxAttempts: CONTRACT_MAX_ATTEMPTS, retryDelay: fastRetries });
    adjust?.(topology);
    return new InMemoryBus({ topology });
  });

  it('when a message is published, then the handler does not run inside publish', async () => {
    const bus = new InMemoryBus({ topology: defineTopology('test-async') });
    const inbox = new Inbox();
    await bus.subscribe('engine.events', inbox.handler);

    const publishing = bus.publish('event', anEvent());
    expect(inbox.messages).toHaveLength(0);
    await publishing;
    expect(inbox.messages).toHaveLength(0);

    await inbox.waitForCount(1);
    await bus.close();
  });

  it('when more messages arrive than the prefetch allows, then at most prefetch handlers run at once and all get handled', async () => {
    const bus = new InMemoryBus({ topology: defineTopology('test-prefetch'), prefetch: 2 });
    let running = 0;
    let mostAtOnce = 0;
    let handled = 0;
    await bus.subscribe('engine.events', async () => {
      running += 1;
      mostAtOnce = Math.max(mostAtOnce, running);
      await new Promise((resolve) => setTimeout(resolve, 10));
      running -= 1;
      handled += 1;
    });

    for (let i = 0; i < 6; i += 1) await bus.publish('event', anEvent());
    await waitFor(() => handled === 6, { what: 'six handled messages' });

    expect(mostAtOnce).toBe(2);
    await bus.close();
  });

  it('when bindings are narrower than #, then only matching routing keys reach the queue and the others fail to publish', async () => {
    const topology = defineTopology('test-routing');
    const admission = topology.lanes['engine.events'].admission;
    topology.exchangeBindings = topology.exchangeBindings.map((binding) =>
      binding.destination === admission ? { ...binding, routingKey: 'sales.*' } : binding,
    );
    const bus = new InMemoryBus({ topology });
    const inbox = new Inbox();
    await bus.subscribe('engine.events', inbox.handler);

    await expect(bus.publish('event', anEvent({ routingKey: 'marketing.campaign_sent' }))).rejects.toThrow(PublishError);
    await expect(bus.publish('event', anEvent({ routingKey: 'sales.deal.won' }))).rejects.toThrow(/no queue is bound/);
    await bus.publish('event', anEvent({ routingKey: 'sales.opportunity_created' }));
    // One queue delivers in order: once a later marker is in, nothing published before can follow.
    await bus.publish('event', anEvent({ routingKey: 'sales.marker' }));
    await inbox.waitForCount(2);

    expect(inbox.messages.map((m) => m.routingKey)).toEqual(['sales.opportunity_created', 'sales.marker']);
    await bus.close();
  });
});
