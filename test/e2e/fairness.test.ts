import { DatabaseSync } from 'node:sqlite';
import amqplib from 'amqplib';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parseTenantId, RuleSchema, type Rule } from '@flowline/contracts';
import { startEngine } from '@flowline/engine';
import { startExecutor } from '@flowline/executor';
import { createMessageBus, defineTopology, eventRoutingKey, HEADERS, type MessageBus } from '@flowline/messaging';
import { silentLogger } from '@flowline/observability';
import type { Running } from '@flowline/runtime';
import { openSqliteStores, type Stores } from '@flowline/storage';
import { deleteNamespace, eventually, HIGH_VALUE_DEAL_ALERT, highValueEnvelope, tempDir, uniqueNamespace } from '../support/harness.ts';

/*
 * Two engines and an executor on RabbitMQ, one tenant flooding the exchange straight, as another
 * service would: the quiet tenant's events get through while the flood is still being worked off,
 * and every flooded event is processed exactly once in the end.
 */
const FLOOD = 3000;
const QUIET = 5;
const flooder = parseTenantId('flooder');
const quiet = parseTenantId('quiet');

describe('tenant fairness with two engines', () => {
  const amqpUrl = inject('amqpUrl');
  const namespace = uniqueNamespace('fair');
  const dir = tempDir();
  const path = `${dir.path}/flowline.db`;
  const logger = silentLogger();
  const buses: MessageBus[] = [];
  const roles: Running[] = [];
  let stores: Stores;
  let counts: DatabaseSync;

  beforeAll(async () => {
    stores = await openSqliteStores(path);
    const now = new Date().toISOString();
    for (const tenant of [flooder, quiet]) {
      const rule: Rule = RuleSchema.parse({ ...HIGH_VALUE_DEAL_ALERT, id: crypto.randomUUID(), tenant_id: tenant, is_active: true, version: 1, created_at: now, updated_at: now });
      await stores.rules.insert(tenant, rule);
    }
    // Small limits and a deferred prefetch of 1, so that a flood of 3,000 takes the deferred lane a while; the quiet
    // tenant's 5 events stay within its limits even if one engine gets them all.
    const flowControl = { deferredPrefetch: 1, promoteAfterMs: 1000 };
    const bus = async () => {
      const created = await createMessageBus({ amqpUrl, namespace, maxAttempts: 3, logger, prefetch: 16 });
      buses.push(created);
      return created;
    };
    roles.push(await startExecutor({ stores, bus: await bus(), logger, flowControl: { ...flowControl, limits: { maxInFlight: 8, rate: 0, burst: 1 } } }));
    for (let i = 0; i < 2; i += 1) {
      roles.push(await startEngine({ stores, bus: await bus(), logger, batchMax: 8, flowControl: { ...flowControl, limits: { maxInFlight: 8, rate: 50, burst: 20 } } }));
    }
    counts = new DatabaseSync(path, { readOnly: true });
  }, 30_000);

  afterAll(async () => {
    counts?.close();
    for (const role of roles) await role.stop();
    for (const bus of buses) await bus.close();
    await stores?.close();
    await deleteNamespace(amqpUrl, namespace);
    dir.remove();
  });

  const recorded = (tenant: string): number => (counts.prepare('SELECT count(*) AS n FROM events WHERE tenant_id = ?').get(tenant) as { n: number }).n;
  const notified = (tenant: string): number => (counts.prepare('SELECT count(*) AS n FROM notifications WHERE tenant_id = ?').get(tenant) as { n: number }).n;

  it('when one tenant floods the exchange, then a quiet tenant\'s events are acted on while the flood is still pending, and every flooded event is processed exactly once', async () => {
    const exchange = defineTopology(namespace).exchanges.events.name;
    const connection = await amqplib.connect(amqpUrl);
    const channel = await connection.createConfirmChannel();
    const publish = (envelope: Record<string, unknown>, tenant: string) =>
      channel.publish(exchange, eventRoutingKey('sales', 'high_value_opportunity'), Buffer.from(JSON.stringify(envelope)), {
        persistent: true,
        contentType: 'application/json',
        messageId: String(envelope['id']),
        headers: { [HEADERS.tenantId]: tenant },
      });
    try {
      // The documented direct-publish format, as fast as the channel takes it.
      for (let i = 0; i < FLOOD; i += 1) publish(highValueEnvelope(flooder, { data: { opportunity_id: `f${i}`, opportunity_name: `Flood ${i}`, value: 50_000 } }), flooder);
      await channel.waitForConfirms();
      for (let i = 0; i < QUIET; i += 1) publish(highValueEnvelope(quiet, { data: { opportunity_id: `q${i}`, opportunity_name: `Quiet ${i}`, value: 50_000 } }), quiet);
      await channel.waitForConfirms();
    } finally {
      await connection.close();
    }

    await eventually(async () => (notified(quiet) >= QUIET ? true : undefined), 60_000, 20);
    const floodLeft = FLOOD - recorded(flooder);
    expect(floodLeft).toBeGreaterThan(0);

    await eventually(async () => (notified(flooder) >= FLOOD ? true : undefined), 120_000, 250);
    expect(recorded(flooder)).toBe(FLOOD);
    expect(notified(flooder)).toBe(FLOOD);
    expect(notified(quiet)).toBe(QUIET);
    const { items } = await stores.events.list(flooder, { limit: 100 });
    expect(items.some((record) => record.admission?.deferred === true)).toBe(true);
  }, 180_000);
});
