import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { DeferMessage, PermanentMessageError, PublishError } from '../src/errors.ts';
import { UnpublishableMessageError } from '../src/wire-limits.ts';
import type { BroadcastHandler, DeadLetter, IncomingMessage, MessageBus, MessageHandler, OutgoingMessage } from '../src/message-bus.ts';
import { actionRoutingKey, eventRoutingKey, HEADERS, type SubscriptionName, type Topology } from '../src/topology.ts';
import { waitFor } from './support/wait-for.ts';

/** `makeBus` must build its bus with this `maxAttempts` (and a small retry delay). */
export const CONTRACT_MAX_ATTEMPTS = 3;

/**
 * What every MessageBus must do, run against both the RabbitMQ and the in-memory bus. Each test
 * gets a fresh namespace, so nothing leaks between tests.
 */
export function busContract(makeBus: (namespace: string, adjust?: (topology: Topology) => void) => Promise<MessageBus>): void {
  describe('the MessageBus contract', () => {
    const buses: MessageBus[] = [];
    /** A bus on a fresh namespace; `adjust` changes its topology before the bus declares it. */
    const newBus = async (adjust?: (topology: Topology) => void): Promise<MessageBus> => {
      const bus = await makeBus(`test-${randomUUID()}`, adjust);
      buses.push(bus);
      return bus;
    };

    afterEach(async () => {
      await Promise.all(buses.splice(0).map((bus) => bus.close()));
    });

    it('when an event is published, then the engine.events subscription gets it with routing key, headers and ids intact', async () => {
      const bus = await newBus();
      const inbox = new Inbox();
      await bus.subscribe('engine.events', inbox.handler);
      const message = anEvent({ headers: { [HEADERS.tenantId]: 'tenant-a', 'x-custom-number': 7, 'x-custom-flag': true } });

      await bus.publish('event', message);

      const [received] = await inbox.waitForCount(1);
      expect(received?.routingKey).toBe(message.routingKey);
      expect(received?.messageId).toBe(message.messageId);
      expect(received?.correlationId).toBe(message.correlationId);
      expect(received?.headers).toMatchObject({ [HEADERS.tenantId]: 'tenant-a', 'x-custom-number': 7, 'x-custom-flag': true });
      expect(JSON.parse(received?.content.toString('utf8') ?? '')).toEqual(message.body);
      expect(received?.deliveryCount).toBe(1);
    });

    it('when an action command is published, then executor.actions gets it and engine.events does not', async () => {
      const bus = await newBus();
      const events = new Inbox();
      const actions = new Inbox();
      await bus.subscribe('engine.events', events.handler);
      await bus.subscribe('executor.actions', actions.handler);
      const command = anAction();

      await bus.publish('action-command', command);
      const [received] = await actions.waitForCount(1);
      // An event published afterwards shows that engine.events is live and got nothing before it.
      const event = anEvent();
      await bus.publish('event', event);
      await events.waitForCount(1);

      expect(received?.messageId).toBe(command.messageId);
      expect(received?.routingKey).toBe(actionRoutingKey('send_notification'));
      expect(events.messages.map((m) => m.messageId)).toEqual([event.messageId]);
      expect(actions.messages.map((m) => m.messageId)).toEqual([command.messageId]);
    });

    it('when a handler throws a PermanentMessageError, then the message is dead-lettered at once with the reason and not redelivered', async () => {
      const bus = await newBus();
      let calls = 0;
      const subscription = await bus.subscribe('engine.events', async () => {
        calls += 1;
        throw new PermanentMessageError('unknown trigger');
      });
      const message = anEvent({ headers: { [HEADERS.tenantId]: 'tenant-a' } });

      await bus.publish('event', message);
      const [deadLetter] = await waitForDeadLetters(bus, 'engine.events', 1);
      await subscription.cancel();

      expect(deadLetter?.reason).toBe('unknown trigger');
      expect(deadLetter?.routingKey).toBe(message.routingKey);
      expect(JSON.parse(deadLetter?.content.toString('utf8') ?? '')).toEqual(message.body);
      expect(deadLetter?.headers).toMatchObject({
        [HEADERS.tenantId]: 'tenant-a',
        [HEADERS.reason]: 'unknown trigger',
        [HEADERS.attempts]: 1,
        [HEADERS.originalRoutingKey]: message.routingKey,
      });
      expect(deadLetter?.headers[HEADERS.originalExchange]).toMatch(/\.events$/);
      expect(Date.parse(String(deadLetter?.headers[HEADERS.deadLetteredAt]))).not.toBeNaN();
      expect(Date.parse(String(deadLetter?.headers[HEADERS.firstFailedAt]))).not.toBeNaN();
      await expectNothingLeftIn(bus, 'engine.events');
      expect(calls).toBe(1);
    });

    it('when a publish carries a header too large for AMQP, then that publish alone is refused as unpublishable and the next one is delivered at once', async () => {
      const bus = await newBus();
      const inbox = new Inbox();
      await bus.subscribe('engine.events', inbox.handler);

      const oversized = bus.publish('event', anEvent({ headers: { [HEADERS.tenantId]: 'tenant-a', 'x-big': 'x'.repeat(70_000) } }));
      await expect(oversized).rejects.toBeInstanceOf(UnpublishableMessageError);
      await expect(bus.publish('event', anEvent({ correlationId: 'c'.repeat(300) }))).rejects.toBeInstanceOf(UnpublishableMessageError);
      const started = Date.now();
      const good = anEvent();
      await bus.publish('event', good);
      const [received] = await inbox.waitForCount(1);

      expect(received?.messageId).toBe(good.messageId);
      // A confirm channel left out of step would time every later publish out (5 s by default).
      expect(Date.now() - started).toBeLessThan(3000);
    });

    it('when a handler fails with a reason of megabytes, then the dead letter carries at most 1 KiB of it, marked as cut', async () => {
      const bus = await newBus();
      const subscription = await bus.subscribe('engine.events', async () => {
        throw new PermanentMessageError(`unknown keys: ${'k,'.repeat(500_000)}`);
      });

      await bus.publish('event', anEvent());
      const [deadLetter] = await waitForDeadLetters(bus, 'engine.events', 1);
      await subscription.cancel();

      expect(Buffer.byteLength(deadLetter!.reason)).toBeLessThanOrEqual(1024);
      expect(deadLetter!.reason).toMatch(/^unknown keys: k,k,.*\[1000014 bytes, cut\]$/);
    });

    it('when a handler fails transiently twice and then succeeds, then it ran 3 times with delivery counts 1, 2, 3 and the message is acked', async () => {
      const bus = await newBus();
      const deliveryCounts: number[] = [];
      const subscription = await bus.subscribe('engine.events', async (message) => {
        deliveryCounts.push(message.deliveryCount);
        if (deliveryCounts.length <= 2) throw new Error('database briefly unavailable');
      });

      await bus.publish('event', anEvent());
      await waitFor(() => deliveryCounts.length >= 3, { what: 'three deliveries' });
      await subscription.cancel();

      expect(deliveryCounts).toEqual([1, 2, 3]);
      await expectNothingLeftIn(bus, 'engine.events');
      expect(await bus.takeDeadLetters('engine.events', 10)).toEqual([]);
    });

    it('when a handler fails transiently, then the retried delivery keeps its routing key and carries attempts, first-failure time and last reason', async () => {
      const bus = await newBus();
      const deliveries: IncomingMessage[] = [];
      const subscription = await bus.subscribe('engine.events', async (message) => {
        deliveries.push(message);
        if (deliveries.length <= 2) throw new Error(`store locked (${deliveries.length})`);
      });
      const message = anEvent({ routingKey: eventRoutingKey('crm', 'contact_created'), headers: { [HEADERS.tenantId]: 'tenant-b' } });

      await bus.publish('event', message);
      await waitFor(() => deliveries.length >= 3, { what: 'three deliveries' });
      await subscription.cancel();

      const [first, second, third] = deliveries;
      expect(first?.headers[HEADERS.attempts]).toBeUndefined();
      expect(second?.headers).toMatchObject({ [HEADERS.attempts]: 1, [HEADERS.reason]: 'store locked (1)', [HEADERS.tenantId]: 'tenant-b' });
      expect(third?.headers).toMatchObject({ [HEADERS.attempts]: 2, [HEADERS.reason]: 'store locked (2)' });
      expect(third?.headers[HEADERS.firstFailedAt]).toBe(second?.headers[HEADERS.firstFailedAt]);
      expect(Date.parse(String(third?.headers[HEADERS.firstFailedAt]))).not.toBeNaN();
      expect(deliveries.map((d) => d.routingKey)).toEqual([message.routingKey, message.routingKey, message.routingKey]);
      expect(deliveries.map((d) => d.messageId)).toEqual([message.messageId, message.messageId, message.messageId]);
      expect(JSON.parse(third?.content.toString('utf8') ?? '')).toEqual(message.body);
    });

    it('when a handler always fails transiently, then the message is dead-lettered after maxAttempts with the last error as reason', async () => {
      const bus = await newBus();
      let calls = 0;
      await bus.subscribe('engine.events', async () => {
        calls += 1;
        throw new Error(`timeout talking to CRM (attempt ${calls})`);
      });
      const message = anEvent();

      await bus.publish('event', message);
      const [deadLetter] = await waitForDeadLetters(bus, 'engine.events', 1);

      expect(calls).toBe(CONTRACT_MAX_ATTEMPTS);
      expect(deadLetter?.reason).toBe(`timeout talking to CRM (attempt ${CONTRACT_MAX_ATTEMPTS})`);
      expect(deadLetter?.headers[HEADERS.attempts]).toBe(CONTRACT_MAX_ATTEMPTS);
      expect(deadLetter?.routingKey).toBe(message.routingKey);
      expect(deadLetter?.headers[HEADERS.originalExchange]).toMatch(/\.events$/);
      expect(Date.parse(String(deadLetter?.headers[HEADERS.firstFailedAt]))).toBeLessThanOrEqual(
        Date.parse(String(deadLetter?.headers[HEADERS.deadLetteredAt])),
      );
    });

    it('when a message is given up, then onGiveUp hears once, before its dead letter: permanent with its reason, or after its last attempt', async () => {
      const bus = await newBus();
      const heard: Array<{ id: string | undefined; reason: string; attempts: number; permanent: boolean; deadLettersBefore: number }> = [];
      let deadLettered = 0;
      await bus.subscribe(
        'engine.events',
        async (message) => {
          if (message.messageId === permanent.messageId) throw new PermanentMessageError('not a known trigger');
          throw new Error('CRM is down');
        },
        {
          onGiveUp: async (message, giveUp) => {
            heard.push({ id: message.messageId, ...giveUp, deadLettersBefore: deadLettered });
            throw new Error('the store is down too');
          },
        },
      );
      const permanent = anEvent();
      const transient = anEvent();

      await bus.publish('event', permanent);
      await bus.publish('event', transient);
      deadLettered = (await waitForDeadLetters(bus, 'engine.events', 2)).length;

      expect(heard.sort((a, b) => a.attempts - b.attempts)).toEqual([
        { id: permanent.messageId, reason: 'not a known trigger', attempts: 1, permanent: true, deadLettersBefore: 0 },
        { id: transient.messageId, reason: 'CRM is down', attempts: CONTRACT_MAX_ATTEMPTS, permanent: false, deadLettersBefore: 0 },
      ]);
    });

    it('when messages wait for a batch subscriber, then batches hold at most maxBatch and a message that fails is retried alone', async () => {
      const bus = await newBus();
      const messages = Array.from({ length: 7 }, () => anEvent());
      for (const message of messages) await bus.publish('event', message);
      const flaky = messages[3]!.messageId;
      const batchSizes: number[] = [];
      const handled: string[] = [];
      let failedOnce = false;
      await bus.subscribeBatch(
        'engine.events',
        (batch) => {
          batchSizes.push(batch.length);
          return batch.map(async (message) => {
            handled.push(String(message.messageId));
            if (message.messageId === flaky && !failedOnce) {
              failedOnce = true;
              throw new Error('store busy');
            }
          });
        },
        { maxBatch: 3 },
      );

      await waitFor(() => handled.length === 8);
      expect(Math.max(...batchSizes)).toBeLessThanOrEqual(3);
      expect(handled.filter((id) => id === flaky)).toHaveLength(2);
      expect(new Set(handled)).toEqual(new Set(messages.map((m) => m.messageId)));
      // Settled messages stay settled: nothing else comes back.
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(handled).toHaveLength(8);
    });

    it('when a tenant is demoted, then its new events go to the deferred lane and the others to the main lane, and promotion brings it back', async () => {
      const bus = await newBus();
      const main = new Inbox();
      const deferred = new Inbox();
      await bus.subscribe('engine.events', main.handler);
      await bus.subscribe('engine.events.deferred', deferred.handler);
      const of = (tenant: string) => anEvent({ headers: { [HEADERS.tenantId]: tenant } });

      await bus.setTenantLane('engine.events', 'tenant-noisy', 'deferred');
      // Twice: demotion is idempotent, and must not deliver twice.
      await bus.setTenantLane('engine.events', 'tenant-noisy', 'deferred');
      const noisy = of('tenant-noisy');
      const quiet = of('tenant-quiet');
      await bus.publish('event', noisy);
      await bus.publish('event', quiet);
      await deferred.waitForCount(1);
      await main.waitForCount(1);
      await bus.setTenantLane('engine.events', 'tenant-noisy', 'main');
      await bus.setTenantLane('engine.events', 'tenant-noisy', 'main');
      const promoted = of('tenant-noisy');
      await bus.publish('event', promoted);
      await main.waitForCount(2);
      // A marker on each lane: anything else still due would arrive before it.
      await bus.setTenantLane('engine.events', 'tenant-marker', 'deferred');
      await bus.publish('event', of('tenant-marker'));
      await deferred.waitForCount(2);

      expect(main.messages.map((m) => m.messageId)).toEqual([quiet.messageId, promoted.messageId]);
      expect(deferred.messages.map((m) => m.messageId)).toEqual([noisy.messageId, deferred.messages[1]!.messageId]);
      expect(deferred.messages[0]?.routingKey).toBe(noisy.routingKey);
    });

    it('when a demoted tenant\'s publisher spells the header X-Tenant-ID or X-Tenant-Id, then the broker still sends its events to the deferred lane', async () => {
      const bus = await newBus();
      const main = new Inbox();
      const deferred = new Inbox();
      await bus.subscribe('engine.events', main.handler);
      await bus.subscribe('engine.events.deferred', deferred.handler);
      await bus.setTenantLane('engine.events', 'tenant-loud', 'deferred');

      const spelled = ['X-Tenant-ID', 'X-Tenant-Id'].map((name) => anEvent({ headers: { [name]: 'tenant-loud' } }));
      for (const message of spelled) await bus.publish('event', message);
      await deferred.waitForCount(2);
      // A marker on the main lane: had either reached it, it would have arrived first.
      const marker = anEvent({ headers: { [HEADERS.tenantId]: 'tenant-quiet' } });
      await bus.publish('event', marker);
      await main.waitForCount(1);

      expect(deferred.messages.map((m) => m.messageId)).toEqual(spelled.map((m) => m.messageId));
      expect(main.messages.map((m) => m.messageId)).toEqual([marker.messageId]);
    });

    it('when an action command\'s tenant is demoted for engine.events only, then the command still goes to the executor\'s main lane', async () => {
      const bus = await newBus();
      const main = new Inbox();
      await bus.subscribe('executor.actions', main.handler);
      await bus.setTenantLane('engine.events', 'tenant-a', 'deferred');

      const command = anAction();
      await bus.publish('action-command', command);

      const [received] = await main.waitForCount(1);
      expect(received?.messageId).toBe(command.messageId);
    });

    it('when a handler defers messages, then each reaches the deferred lane once with its routing key, ids, headers and the time it was deferred, and none is lost', async () => {
      const bus = await newBus();
      const deferred = new Inbox();
      await bus.subscribe('engine.events', async () => {
        throw new DeferMessage();
      });
      await bus.subscribe('engine.events.deferred', deferred.handler);
      const messages = Array.from({ length: 20 }, () => anEvent({ headers: { [HEADERS.tenantId]: 'tenant-a', 'x-custom': 'kept' } }));

      for (const message of messages) await bus.publish('event', message);
      await deferred.waitForCount(20);
      // A marker published afterwards, deferred in turn: a duplicate would arrive before it.
      const marker = anEvent();
      await bus.publish('event', marker);
      await deferred.waitForCount(21);

      expect(deferred.messages.map((m) => m.messageId)).toEqual([...messages, marker].map((m) => m.messageId));
      for (const received of deferred.messages) {
        expect(received.routingKey).toBe(messages[0]!.routingKey);
        expect(received.deliveryCount).toBe(1);
        expect(Number.isNaN(Date.parse(String(received.headers[HEADERS.deferredAt])))).toBe(false);
      }
      expect(deferred.messages[0]?.headers).toMatchObject({ [HEADERS.tenantId]: 'tenant-a', 'x-custom': 'kept' });
      expect(deferred.messages[0]?.correlationId).toBe(messages[0]!.correlationId);
    });

    it('when a deferred-lane handler fails, then the message is retried through the main lane and dead-lettered once its attempts run out', async () => {
      const bus = await newBus();
      const seenOnMain: IncomingMessage[] = [];
      await bus.subscribe('engine.events', async (message) => {
        seenOnMain.push(message);
        throw new Error('still failing');
      });
      await bus.subscribe('engine.events.deferred', async () => {
        throw new Error('failing on the deferred lane');
      });
      await bus.setTenantLane('engine.events', 'tenant-a', 'deferred');

      const message = anEvent();
      await bus.publish('event', message);
      const [letter] = await waitForDeadLetters(bus, 'engine.events', 1);

      expect(letter?.reason).toBe('still failing');
      expect(letter?.routingKey).toBe(message.routingKey);
      expect(seenOnMain.map((m) => m.deliveryCount)).toEqual([2, 3]);
    });

    it('when an event reaches no queue, then publish rejects with a PublishError instead of dropping it', async () => {
      const bus = await newBus((topology) => {
        const queue = topology.subscriptions['engine.events'].queue;
        topology.bindings = topology.bindings.filter((binding) => !(binding.queue === queue && binding.exchange === topology.lanes['engine.events'].main));
      });

      await expect(bus.publish('event', anEvent())).rejects.toThrow(PublishError);
      await expect(bus.publish('event', anEvent())).rejects.toThrow(/no queue is bound/);
      // Rule-change notices need no listener: with no engine there is no cache to invalidate.
      await expect(bus.publish('rule-changes', aRuleChange())).resolves.toBeUndefined();
    });

    it('when a subscription names a queue the topology does not define, then subscribing fails at once naming it', async () => {
      let missing = '';
      const bus = await newBus((topology) => {
        missing = topology.subscriptions['engine.events'].queue;
        delete topology.queues[missing];
        topology.bindings = topology.bindings.filter((binding) => binding.queue !== missing);
      });

      await expect(bus.subscribe('engine.events', async () => {})).rejects.toThrow(`queue '${missing}' is not in the topology's queues`);
    });

    it('when cancel() is called while a handler runs, then it resolves only after that handler settled', async () => {
      const bus = await newBus();
      const started = Promise.withResolvers<void>();
      const release = Promise.withResolvers<void>();
      let handlerFinished = false;
      const subscription = await bus.subscribe('engine.events', async () => {
        started.resolve();
        await release.promise;
        handlerFinished = true;
      });
      await bus.publish('event', anEvent());
      await started.promise;

      let cancelled = false;
      const cancelling = subscription.cancel().then(() => {
        cancelled = true;
      });
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(cancelled).toBe(false);
      release.resolve();
      await cancelling;

      expect(handlerFinished).toBe(true);
      await expectNothingLeftIn(bus, 'engine.events');
    });

    it('when messages are published before anyone subscribes, then they are delivered, in order, once someone does', async () => {
      const bus = await newBus();
      const published = [anEvent(), anEvent(), anEvent()];
      for (const message of published) await bus.publish('event', message);

      const inbox = new Inbox();
      await bus.subscribe('engine.events', inbox.handler);
      await inbox.waitForCount(3);

      expect(inbox.messages.map((m) => m.messageId)).toEqual(published.map((m) => m.messageId));
    });

    it('when a rule change is published, then every broadcast subscriber gets its own copy and no work queue gets it', async () => {
      const bus = await newBus();
      const [first, second, events] = [new Inbox(), new Inbox(), new Inbox()];
      await bus.subscribeBroadcast('rule-changes', broadcastTo(first));
      await bus.subscribeBroadcast('rule-changes', broadcastTo(second));
      await bus.subscribe('engine.events', events.handler);
      const notice = aRuleChange();

      await bus.publish('rule-changes', notice);
      await first.waitForCount(1);
      await second.waitForCount(1);
      const event = anEvent();
      await bus.publish('event', event);
      await events.waitForCount(1);

      for (const inbox of [first, second]) {
        expect(inbox.messages[0]?.messageId).toBe(notice.messageId);
        expect(JSON.parse(inbox.messages[0]?.content.toString('utf8') ?? '')).toEqual(notice.body);
      }
      expect(events.messages.map((m) => m.messageId)).toEqual([event.messageId]);
    });

    it('when a broadcast subscription is cancelled, then it gets no later notices while the others still do', async () => {
      const bus = await newBus();
      const [leaving, staying] = [new Inbox(), new Inbox()];
      const subscription = await bus.subscribeBroadcast('rule-changes', broadcastTo(leaving));
      await bus.subscribeBroadcast('rule-changes', broadcastTo(staying));
      await bus.publish('rule-changes', aRuleChange());
      await leaving.waitForCount(1);

      await subscription.cancel();
      await bus.publish('rule-changes', aRuleChange());
      await staying.waitForCount(2);

      expect(leaving.messages).toHaveLength(1);
    });

    it('when the bus is closed, then it is no longer connected and publish rejects with a PublishError', async () => {
      const bus = await newBus();
      expect(bus.isConnected()).toBe(true);

      await bus.close();

      expect(bus.isConnected()).toBe(false);
      await expect(bus.publish('event', anEvent())).rejects.toBeInstanceOf(PublishError);
    });
  });
}

/** Collects what a subscription receives. */
export class Inbox {
  readonly messages: IncomingMessage[] = [];

  readonly handler: MessageHandler = async (message) => {
    this.messages.push(message);
  };

  async waitForCount(count: number, timeoutMs = 5000): Promise<IncomingMessage[]> {
    await waitFor(() => this.messages.length >= count, { timeoutMs, what: `${count} message(s)` });
    return this.messages;
  }
}

export function anEvent(overrides: Partial<OutgoingMessage> = {}): OutgoingMessage {
  const messageId = randomUUID();
  return {
    routingKey: eventRoutingKey('sales', 'opportunity_created'),
    body: { event_id: messageId, tenant_id: 'tenant-a', type: 'opportunity_created', data: { amount: 1200 } },
    messageId,
    correlationId: randomUUID(),
    headers: { [HEADERS.tenantId]: 'tenant-a' },
    ...overrides,
  };
}

export function anAction(overrides: Partial<OutgoingMessage> = {}): OutgoingMessage {
  const messageId = randomUUID();
  return {
    routingKey: actionRoutingKey('send_notification'),
    body: { command_id: messageId, tenant_id: 'tenant-a', type: 'send_notification' },
    messageId,
    correlationId: randomUUID(),
    headers: { [HEADERS.tenantId]: 'tenant-a' },
    ...overrides,
  };
}

export async function waitForDeadLetters(bus: MessageBus, subscription: SubscriptionName, count: number): Promise<DeadLetter[]> {
  const taken: DeadLetter[] = [];
  await waitFor(
    async () => {
      taken.push(...(await bus.takeDeadLetters(subscription, count - taken.length)));
      return taken.length >= count;
    },
    { what: `${count} dead letter(s)` },
  );
  return taken;
}

/**
 * Proves that nothing is waiting for redelivery: a new subscription gets two markers published
 * now, and nothing else before or between them.
 */
async function expectNothingLeftIn(bus: MessageBus, subscription: 'engine.events'): Promise<void> {
  const inbox = new Inbox();
  const probe = await bus.subscribe(subscription, inbox.handler);
  const marker = anEvent();
  await bus.publish('event', marker);
  await inbox.waitForCount(1);
  // A second marker instead of a pause: anything still due would arrive before it.
  const second = anEvent();
  await bus.publish('event', second);
  await inbox.waitForCount(2);
  await probe.cancel();
  expect(inbox.messages.map((m) => m.messageId)).toEqual([marker.messageId, second.messageId]);
}

function broadcastTo(inbox: Inbox): BroadcastHandler {
  return { onMessage: inbox.handler, onGap: () => {} };
}

export function aRuleChange(overrides: Partial<OutgoingMessage> = {}): OutgoingMessage {
  const messageId = randomUUID();
  return {
    routingKey: 'rule.updated',
    body: { tenant_id: 'tenant-a', trigger_id: 'opportunity_created', rule_id: randomUUID(), change: 'updated' },
    messageId,
    headers: { [HEADERS.tenantId]: 'tenant-a' },
    ...overrides,
  };
}
