import { parseTenantId } from '@flowline/contracts';
import { describe, expect, it } from 'vitest';
import { pruneExpired, type Stores } from '../src/index.ts';
import { at, makeContact, makeEvent, makeExecution, recordExecution, makeNotification, makeTask } from './documents.ts';

const A = parseTenantId('tenant-a');
const B = parseTenantId('tenant-b');

/** Each kind of row retention prunes by its creation time, written and listed through its own store. */
const KINDS = {
  executions: {
    write: (stores: Stores, tenant: typeof A, createdAt: string) => recordExecution(stores, tenant, makeExecution(tenant, { created_at: createdAt })),
    count: async (stores: Stores, tenant: typeof A) => (await stores.executions.list(tenant, { limit: 100 })).items.length,
    prune: (stores: Stores) => stores.executions,
  },
  notifications: {
    write: (stores: Stores, tenant: typeof A, createdAt: string) => stores.notifications.insertIfAbsent(tenant, makeNotification(tenant, { created_at: createdAt })),
    count: async (stores: Stores, tenant: typeof A) => (await stores.notifications.list(tenant, { limit: 100 })).items.length,
    prune: (stores: Stores) => stores.notifications,
  },
  tasks: {
    write: (stores: Stores, tenant: typeof A, createdAt: string) => stores.tasks.insertIfAbsent(tenant, makeTask(tenant, { created_at: createdAt })),
    count: async (stores: Stores, tenant: typeof A) => (await stores.tasks.list(tenant, { limit: 100 })).items.length,
    prune: (stores: Stores) => stores.tasks,
  },
};

/** Retention; part of {@link storeContract}, with the stores it opened. */
export function retentionContract(current: () => Stores): void {
  describe('retention', () => {
    it.each(Object.keys(KINDS) as Array<keyof typeof KINDS>)('when %s are older than the cut-off, then pruneBefore deletes them for every tenant, at most limit at a time, oldest first', async (kind) => {
      const stores = current();
      const { write, count, prune } = KINDS[kind];
      for (const seconds of [0, 10, 20, 30]) await write(stores, A, at(seconds));
      await write(stores, B, at(5));
      await write(stores, B, at(100));

      // Cut-off at 25 s: A's 0, 10, 20 and B's 5 are older. Two at a time, the oldest first.
      expect(await prune(stores).pruneBefore(new Date(at(25)), 2)).toBe(2);
      expect([await count(stores, A), await count(stores, B)]).toEqual([3, 1]);
      expect(await prune(stores).pruneBefore(new Date(at(25)), 10)).toBe(2);
      expect([await count(stores, A), await count(stores, B)]).toEqual([1, 1]);
      expect(await prune(stores).pruneBefore(new Date(at(25)), 10)).toBe(0);
    });

    it('when outbox rows are older than the cut-off, then only those the broker confirmed are pruned; an unsent one stays', async () => {
      const stores = current();
      const sent = makeEvent(A, { type: 'contact_created' });
      const unsent = makeEvent(B, { type: 'contact_created' });
      await stores.entities.insert(A, makeContact(A), [sent]);
      await stores.entities.insert(B, makeContact(B), [unsent]);
      await stores.outbox.markSent(A, sent.id);

      const future = new Date(Date.now() + 60_000);
      expect(await stores.outbox.pruneBefore(new Date(Date.now() - 60_000), 10)).toBe(0);
      expect(await stores.outbox.pruneBefore(future, 10)).toBe(1);
      expect(await stores.outbox.unsent(B)).toEqual([unsent]);
      expect(await stores.outbox.pruneBefore(future, 10)).toBe(0);
    });

    it('when pruneExpired runs with a policy, then each kind keeps its own number of days and 0 keeps for ever', async () => {
      const stores = current();
      const now = new Date(at(10 * 86_400));
      const daysAgo = (days: number) => new Date(now.getTime() - days * 86_400_000).toISOString();
      for (const kind of Object.keys(KINDS) as Array<keyof typeof KINDS>) {
        for (const days of [1, 3, 6]) await KINDS[kind].write(stores, A, daysAgo(days));
      }
      const deleted = await pruneExpired(stores, { executions: 2, notifications: 5, tasks: 0, sentOutbox: 1 }, { now, batchSize: 1 });
      expect(deleted).toEqual({ executions: 2, notifications: 1, tasks: 0, sentOutbox: 0 });
      expect([await KINDS.executions.count(stores, A), await KINDS.notifications.count(stores, A), await KINDS.tasks.count(stores, A)]).toEqual([1, 2, 3]);
    });
  });
}
