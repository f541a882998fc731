import { randomUUID } from 'node:crypto';
import { ScheduledActionSchema, parseTenantId, type ScheduledAction, type TenantId } from '@flowline/contracts';
import { describe, expect, it } from 'vitest';
import { InvalidCursorError, type Stores } from '../src/index.ts';

const A = parseTenantId('tenant-a');
const B = parseTenantId('tenant-b');
const BASE = Date.UTC(2030, 0, 1, 12, 0, 0);

function scheduled(tenant: TenantId, dueInMs: number, overrides: Partial<ScheduledAction> = {}): ScheduledAction {
  const id = randomUUID();
  const [ruleId, executionId, eventId] = [randomUUID(), randomUUID(), randomUUID()];
  const now = new Date(BASE).toISOString();
  return ScheduledActionSchema.parse({
    id,
    tenant_id: tenant,
    rule_id: ruleId,
    execution_id: executionId,
    action_index: 0,
    type: 'send_notification',
    run_at: new Date(BASE + dueInMs).toISOString(),
    state: 'pending',
    run_if_rule_inactive: false,
    event_time: now,
    command: {
      id, tenant_id: tenant, rule_id: ruleId, event_id: eventId, execution_id: executionId, action_index: 0,
      correlation_id: 'c', causation_depth: 0, issued_at: now,
      type: 'send_notification', parameters: { recipient: 'a@example.com', message: 'hi' },
    },
    created_at: now,
    updated_at: now,
    ...overrides,
  });
}

/** Scheduled actions and webhook records: part of the store contract every adapter runs. */
export function actionStoreContract(stores: () => Stores): void {
  describe('scheduled actions', () => {
    it('when an item is scheduled twice, then the first stays and it is listed once, soonest first', async () => {
      const later = scheduled(A, 5_000);
      const sooner = scheduled(A, 1_000);
      await stores().schedule.scheduleIfAbsent(A, [later, sooner]);
      await stores().schedule.scheduleIfAbsent(A, [{ ...later, run_at: new Date(BASE).toISOString() }]);
      const page = await stores().schedule.listPending(A, { limit: 10 });
      expect(page.items.map((i) => i.id)).toEqual([sooner.id, later.id]);
      expect(page.items[1]).toEqual(later);
      expect((await stores().schedule.listPending(B, { limit: 10 })).items).toEqual([]);
    });

    it('when items are due, then only those due are claimed, each by one owner until its lease runs out', async () => {
      const due = scheduled(A, 0);
      const dueB = scheduled(B, 10);
      const notYet = scheduled(A, 60_000);
      await stores().schedule.scheduleIfAbsent(A, [due, notYet]);
      await stores().schedule.scheduleIfAbsent(B, [dueB]);
      const first = await stores().schedule.claimDue('one', 30_000, 10, BASE + 100);
      expect(first.map((i) => i.id)).toEqual([due.id, dueB.id]);
      expect(await stores().schedule.claimDue('two', 30_000, 10, BASE + 200)).toEqual([]);
      // The lease ran out (its owner died): another scheduler takes them.
      expect((await stores().schedule.claimDue('two', 30_000, 10, BASE + 40_000)).map((i) => i.id)).toEqual([due.id, dueB.id]);
    });

    it('when an item is settled, then it is never claimed again and is no longer listed', async () => {
      const item = scheduled(A, 0);
      await stores().schedule.scheduleIfAbsent(A, [item]);
      expect(await stores().schedule.settle(B, item.id, 'published')).toBe(false);
      expect(await stores().schedule.settle(A, item.id, 'published')).toBe(true);
      expect(await stores().schedule.settle(A, item.id, 'cancelled', 'late')).toBe(false);
      expect(await stores().schedule.claimDue('one', 30_000, 10, BASE + 1_000)).toEqual([]);
      expect((await stores().schedule.get(A, item.id))?.state).toBe('published');
      expect((await stores().schedule.listPending(A, { limit: 10 })).items).toEqual([]);
    });

    it('when a pending item is cancelled, then it records why; one being published answers running; another tenant cannot', async () => {
      const idle = scheduled(A, 60_000);
      const leased = scheduled(A, 0, { run_at: new Date(Date.now() - 1000).toISOString() });
      await stores().schedule.scheduleIfAbsent(A, [idle, leased]);
      await stores().schedule.claimDue('one', 30_000, 10, Date.now() + 1);
      expect(await stores().schedule.cancel(B, idle.id, 'by B')).toBe('not_pending');
      expect(await stores().schedule.cancel(A, leased.id, 'too late')).toBe('running');
      expect(await stores().schedule.cancel(A, idle.id, 'cancelled through the api')).toBe('cancelled');
      expect(await stores().schedule.get(A, idle.id)).toMatchObject({ state: 'cancelled', reason: 'cancelled through the api' });
      expect(await stores().schedule.cancel(A, idle.id, 'again')).toBe('not_pending');
    });

    it('when an item is put back in the schedule while its claimer publishes it, then the claimer\'s late settle leaves the new wait pending', async () => {
      const item = scheduled(A, 0);
      await stores().schedule.scheduleIfAbsent(A, [item]);
      await stores().schedule.claimDue('one', 30_000, 10, BASE + 1_000);
      await stores().schedule.reschedule(A, { ...item, run_at: new Date(BASE + 9_000).toISOString() });
      expect(await stores().schedule.settle(A, item.id, 'published', undefined, 'one')).toBe(false);
      expect((await stores().schedule.get(A, item.id))?.state).toBe('pending');
      const reclaimed = await stores().schedule.claimDue('two', 30_000, 10, BASE + 9_000);
      expect(reclaimed.map((i) => i.id)).toEqual([item.id]);
      expect(await stores().schedule.settle(A, item.id, 'published', undefined, 'two')).toBe(true);
    });

    it('when a settled command is rescheduled, then it is pending again at its new time', async () => {
      const item = scheduled(A, 0);
      await stores().schedule.scheduleIfAbsent(A, [item]);
      await stores().schedule.settle(A, item.id, 'published');
      await stores().schedule.reschedule(A, { ...item, run_at: new Date(BASE + 9_000).toISOString() });
      expect(await stores().schedule.claimDue('one', 30_000, 10, BASE + 8_000)).toEqual([]);
      expect((await stores().schedule.claimDue('one', 30_000, 10, BASE + 9_000)).map((i) => i.run_at)).toEqual([new Date(BASE + 9_000).toISOString()]);
    });

    it('when pending items are paged, then every one comes once and a foreign cursor is refused', async () => {
      const items = Array.from({ length: 7 }, (_, i) => scheduled(A, (i % 3) * 1000));
      await stores().schedule.scheduleIfAbsent(A, items);
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await stores().schedule.listPending(A, { limit: 3, cursor });
        seen.push(...page.items.map((i) => i.id));
        cursor = page.next_cursor;
      } while (cursor !== undefined);
      expect(seen.sort()).toEqual(items.map((i) => i.id).sort());
      await expect(stores().schedule.listPending(A, { limit: 3, cursor: 'bm9wZQ' })).rejects.toBeInstanceOf(InvalidCursorError);
    });
  });

  describe('webhooks', () => {
    it('when secrets and deliveries are stored, then only their tenant reads them back', async () => {
      const now = new Date(BASE).toISOString();
      const secrets = { tenant_id: A, current: { secret: 'whsec_'.padEnd(40, 'x'), created_at: now } };
      await stores().webhooks.putSecrets(A, secrets);
      expect(await stores().webhooks.secrets(A)).toEqual(secrets);
      expect(await stores().webhooks.secrets(B)).toBeNull();
      const delivery = { id: randomUUID(), tenant_id: A, state: 'succeeded' as const, first_attempt_at: now, attempts: 1, status: 204, updated_at: now };
      await stores().webhooks.putDelivery(A, delivery);
      await stores().webhooks.putDelivery(A, { ...delivery, attempts: 2 });
      expect(await stores().webhooks.delivery(A, delivery.id)).toEqual({ ...delivery, attempts: 2 });
      expect(await stores().webhooks.delivery(B, delivery.id)).toBeNull();
      await expect(stores().webhooks.putDelivery(B, delivery)).rejects.toThrow(/tenant mismatch/);
    });
  });
}
