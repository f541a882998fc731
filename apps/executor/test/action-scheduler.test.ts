import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ActionCommandSchema, parseTenantId, RuleSchema, type ScheduledAction } from '@flowline/contracts';
import { createMessageBus, type MessageBus } from '@flowline/messaging';
import { silentLogger } from '@flowline/observability';
import { openSqliteStores, type Stores } from '@flowline/storage';
import { afterAll, afterEach, beforeEach, expect, it } from 'vitest';
import { ActionScheduler } from '../src/domain/action-scheduler.ts';

const tenant = parseTenantId('acme-corp');
const dir = mkdtempSync(join(tmpdir(), 'flowline-scheduler-'));
let stores: Stores[];
let bus: MessageBus;

beforeEach(async () => {
  const path = join(dir, `${randomUUID()}.db`);
  // Two connections to one file, as two executor processes would have.
  stores = [await openSqliteStores(path), await openSqliteStores(path)];
  bus = await createMessageBus({ logger: silentLogger() });
});
afterEach(async () => {
  await bus.close();
  await Promise.all(stores.map((s) => s.close()));
});

async function rule(isActive: boolean): Promise<string> {
  const now = new Date().toISOString();
  const r = RuleSchema.parse({
    id: randomUUID(), tenant_id: tenant, name: 'r', description: '', module_type: 'sales', trigger_id: 'high_value_opportunity', conditions: [],
    actions: [{ type: 'create_task', parameters: { title: 't' } }], is_active: isActive, version: 1, created_at: now, updated_at: now,
  });
  await stores[0]!.rules.insert(tenant, r);
  return r.id;
}

function item(ruleId: string, runAt: number, runIfInactive = false): ScheduledAction {
  const id = randomUUID();
  const now = new Date().toISOString();
  const executionId = randomUUID();
  return {
    id, tenant_id: tenant, rule_id: ruleId, execution_id: executionId, action_index: 0, type: 'create_task', run_at: new Date(runAt).toISOString(),
    state: 'pending', run_if_rule_inactive: runIfInactive, event_time: now, created_at: now, updated_at: now,
    command: ActionCommandSchema.parse({
      id, tenant_id: tenant, rule_id: ruleId, event_id: randomUUID(), execution_id: executionId, action_index: 0, correlation_id: 'c', causation_depth: 0,
      issued_at: now, type: 'create_task', parameters: { title: 't' },
    }),
  };
}

it('when two schedulers share a store, then each due item is published once, none before its time, and those of an inactive rule are cancelled', async () => {
  const active = await rule(true);
  const inactive = await rule(false);
  const start = Date.now();
  const items = Array.from({ length: 200 }, (_, i) => item(active, start + (i % 10) * 100));
  const skipped = item(inactive, start);
  const forced = item(inactive, start, true);
  await stores[0]!.schedule.scheduleIfAbsent(tenant, [...items, skipped, forced]);

  const received: Array<{ id: string; at: number }> = [];
  const subscription = await bus.subscribe('executor.actions', async (message) => {
    received.push({ id: String(message.messageId), at: Date.now() });
  });
  const schedulers = stores.map((s) => new ActionScheduler({ stores: s, bus, logger: silentLogger(), pollIntervalMs: 50 }));
  schedulers.forEach((s) => s.start());
  try {
    await expect.poll(() => received.length, { timeout: 10_000 }).toBe(201);
    await expect.poll(async () => (await stores[0]!.schedule.get(tenant, skipped.id))?.state, { timeout: 5000 }).toBe('cancelled');
    // Anything published twice would still be arriving.
    await new Promise((r) => setTimeout(r, 300));
  } finally {
    await Promise.all(schedulers.map((s) => s.stop()));
    await subscription.cancel();
  }
  expect(received).toHaveLength(201);
  expect(new Set(received.map((r) => r.id)).size).toBe(201);
  expect(received.map((r) => r.id)).not.toContain(skipped.id);
  expect(received.map((r) => r.id)).toContain(forced.id);
  const due = new Map([...items, forced].map((i) => [i.id, Date.parse(i.run_at)]));
  for (const { id, at } of received) expect(at).toBeGreaterThanOrEqual(due.get(id)!);
  expect((await stores[0]!.schedule.get(tenant, skipped.id))?.reason).toBe('cancelled: the rule was inactive when the action was due');
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));
