import { randomUUID } from 'node:crypto';
import { defineTopology, HEADERS, InMemoryBus, type BatchHandler, type IncomingMessage, type Lane, type LanedSubscription, type OutgoingMessage } from '@flowline/messaging';
import { silentLogger } from '@flowline/observability';
import { afterEach, describe, expect, it } from 'vitest';
import { FairSubscription, TenantAdmission, tenantOfMessage, type FairSubscriptionOptions, type TenantLimits } from '../src/index.ts';
import { eventually } from '../../../test/support/harness.ts';

const event = (tenant: string, headers: Record<string, string> = { [HEADERS.tenantId]: tenant }): OutgoingMessage => {
  const messageId = randomUUID();
  return { routingKey: 'sales.opportunity_created', messageId, headers, body: { id: messageId, tenant_id: tenant } };
};

describe('FairSubscription', () => {
  let bus: InMemoryBus;
  let fair: FairSubscription | undefined;
  afterEach(async () => {
    await fair?.cancel();
    await bus.close();
  });

  /** The engine stage's fair consumer on `bus`, holding every tenant to `limits`. */
  async function startFair(limits: TenantLimits, handler: BatchHandler, options: Partial<FairSubscriptionOptions> = {}): Promise<void> {
    fair = await FairSubscription.start({
      bus,
      subscription: 'engine.events',
      stage: 'engine',
      admission: new TenantAdmission(() => limits),
      tenantOf: tenantOfMessage,
      handler,
      logger: silentLogger(),
      ...options,
    });
  }

  /** Handles every message after `release` resolves, recording which lane it came from. */
  async function start(limits: TenantLimits, release: Promise<void> = Promise.resolve()) {
    bus = new InMemoryBus({ topology: defineTopology(`fair-${randomUUID()}`), prefetch: 50 });
    const handled: Array<{ id: string; tenant: string; deferredAt: unknown }> = [];
    const handler = (messages: readonly IncomingMessage[]) =>
      messages.map(async (message) => {
        await release;
        handled.push({ id: message.messageId!, tenant: tenantOfMessage(message)!, deferredAt: message.headers[HEADERS.deferredAt] });
      });
    await startFair(limits, handler, { deferredPrefetch: 2, promoteAfterMs: 200 });
    return handled;
  }

  it('when a tenant has more in flight than allowed, then the rest is deferred and demoted, every message is handled once, and the tenant is promoted once quiet', async () => {
    const gate = Promise.withResolvers<void>();
    const handled = await start({ maxInFlight: 3, rate: 0, burst: 1 }, gate.promise);
    const noisy = Array.from({ length: 30 }, () => event('noisy'));
    const quiet = event('quiet');

    for (const message of noisy) await bus.publish('event', message);
    await eventually(async () => (fair!.demotedTenants.includes('noisy') ? true : undefined));
    await bus.publish('event', quiet);
    gate.resolve();

    await eventually(async () => (handled.length === 31 ? true : undefined));
    expect(new Set(handled.map((h) => h.id))).toEqual(new Set([...noisy, quiet].map((m) => m.messageId)));
    expect(handled.find((h) => h.id === quiet.messageId)?.deferredAt).toBeUndefined();
    expect(handled.filter((h) => h.tenant === 'noisy' && h.deferredAt !== undefined).length).toBeGreaterThan(0);
    await eventually(async () => (fair!.demotedTenants.length === 0 ? true : undefined));

    // Promoted: its next event comes on the main lane, not deferred.
    const after = event('noisy');
    await bus.publish('event', after);
    await eventually(async () => (handled.length === 32 ? true : undefined));
    expect(handled.at(-1)).toMatchObject({ id: after.messageId, deferredAt: undefined });
  });

  it('when a batch demotes a tenant, then its admitted messages are handled on a later turn of the event loop than the one that asked for the lane change', async () => {
    // The RabbitMQ bus writes a binding to the socket on the turn after it is asked (amqplib's muxer), so handling the
    // batch in the same turn would hold the demotion back behind the batch's work while the flood goes on arriving.
    const order: string[] = [];
    class RecordingBus extends InMemoryBus {
      override setTenantLane(subscription: LanedSubscription, tenant: string, lane: Lane): Promise<void> {
        order.push(`lane ${lane}`);
        setImmediate(() => order.push('next turn'));
        return super.setTenantLane(subscription, tenant, lane);
      }
    }
    bus = new RecordingBus({ topology: defineTopology(`fair-${randomUUID()}`), prefetch: 50 });
    const noisy = Array.from({ length: 10 }, () => event('noisy'));
    for (const message of noisy) await bus.publish('event', message);
    let handled = 0;
    await startFair({ maxInFlight: 3, rate: 0, burst: 1 }, (messages) => {
      order.push(`handler ${messages.length}`);
      return messages.map(async () => void (handled += 1));
    });

    await eventually(async () => (handled === 10 ? true : undefined));
    expect(order.slice(0, 3)).toEqual(['lane deferred', 'next turn', 'handler 3']);
  });

  it('when the messages of a demoted tenant are still being moved off the main lane, then the deferred lane waits for that to end, and then handles everything', async () => {
    let clock = 0;
    bus = new InMemoryBus({ topology: defineTopology(`fair-${randomUUID()}`), prefetch: 50 });
    const handled: Array<{ id: string; deferredAt: unknown }> = [];
    await startFair(
      { maxInFlight: 3, rate: 0, burst: 1 },
      (messages) => messages.map(async (message) => void handled.push({ id: message.messageId!, deferredAt: message.headers[HEADERS.deferredAt] })),
      { promoteAfterMs: 60_000, now: () => clock },
    );
    const noisy = Array.from({ length: 30 }, () => event('noisy'));
    for (const message of noisy) await bus.publish('event', message);

    // The clock stands still just after the main lane moved the tenant's messages aside: the deferred lane waits.
    await eventually(async () => (handled.length === 3 ? true : undefined));
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(handled.filter((h) => h.deferredAt !== undefined)).toEqual([]);

    clock += 1000;
    await eventually(async () => (handled.length === 30 ? true : undefined));
    expect(new Set(handled.map((h) => h.id))).toEqual(new Set(noisy.map((m) => m.messageId)));
  });

  it('when a tenant over its limits sends no x-tenant-id header, then its messages are deferred one by one without demoting it, and all are handled', async () => {
    const gate = Promise.withResolvers<void>();
    const handled = await start({ maxInFlight: 2, rate: 0, burst: 1 }, gate.promise);
    const headerless = Array.from({ length: 10 }, () => event('anon', {}));

    for (const message of headerless) await bus.publish('event', message);
    gate.resolve();

    await eventually(async () => (handled.length === 10 ? true : undefined));
    expect(fair!.demotedTenants).toEqual([]);
    expect(handled.filter((h) => h.deferredAt !== undefined).length).toBeGreaterThan(0);
  });
});
