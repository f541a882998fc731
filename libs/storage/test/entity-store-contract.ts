import { parseTenantId } from '@flowline/contracts';
import { describe, expect, it } from 'vitest';
import { InvalidCursorError, type Stores } from '../src/index.ts';
import { at, makeContact, makeEvent, makeOpportunity } from './documents.ts';

const A = parseTenantId('tenant-a');
const B = parseTenantId('tenant-b');

/** Entities, the outbox and settings; part of {@link storeContract}, with the stores it opened. */
export function entityStoreContract(current: () => Stores): void {
  describe('entities', () => {
    it('when an entity is inserted with its events, then get returns it and the events wait in the outbox', async () => {
      const stores = current();
      const contact = makeContact(A);
      const event = makeEvent(A, { type: 'contact_created' });
      await stores.entities.insert(A, contact, [event]);

      expect(await stores.entities.get(A, 'contact', contact.id)).toEqual(contact);
      expect(await stores.entities.get(A, 'lead', contact.id)).toBeNull();
      expect(await stores.outbox.unsent(A)).toEqual([event]);
    });

    it("when tenant B asks for or updates tenant A's entity, then it is not found and nothing changes", async () => {
      const stores = current();
      const contact = makeContact(A);
      await stores.entities.insert(A, contact, []);

      expect(await stores.entities.get(B, 'contact', contact.id)).toBeNull();
      expect((await stores.entities.list(B, 'contact', { limit: 10 })).items).toEqual([]);
      const tampered = { ...contact, tenant_id: B, status: 'hacked', version: 2 };
      expect(await stores.entities.update(B, tampered, 1, [makeEvent(B)])).toBe('not_found');
      expect(await stores.entities.get(A, 'contact', contact.id)).toEqual(contact);
      expect(await stores.outbox.unsent(B)).toEqual([]);
    });

    it('when an update names the stored version, then it is written with its events; a stale version writes nothing', async () => {
      const stores = current();
      const opportunity = makeOpportunity(A);
      await stores.entities.insert(A, opportunity, []);
      const won = { ...opportunity, stage: 'closed_won', version: 2 };
      const event = makeEvent(A, { type: 'deal_closed_won', module_type: 'sales' });

      expect(await stores.entities.update(A, won, 1, [event])).toBe('updated');
      expect(await stores.entities.update(A, { ...opportunity, stage: 'closed_lost', version: 2 }, 1, [makeEvent(A)])).toBe('version_conflict');

      expect(await stores.entities.get(A, 'opportunity', opportunity.id)).toEqual(won);
      expect(await stores.outbox.unsent(A)).toEqual([event]);
    });

    it('when an update queues an event id already queued, then it is a duplicate and nothing is written', async () => {
      const stores = current();
      const contact = makeContact(A);
      const event = makeEvent(A);
      await stores.entities.insert(A, contact, [event]);

      expect(await stores.entities.update(A, { ...contact, status: 'customer', version: 2 }, 1, [event])).toBe('duplicate');
      expect(await stores.entities.get(A, 'contact', contact.id)).toEqual(contact);
      expect(await stores.outbox.unsent(A)).toEqual([event]);
    });

    it('when entities are listed a page at a time, then the cursor walks newest first through all of them once', async () => {
      const stores = current();
      const contacts = [1, 2, 3, 4, 5].map((s) => makeContact(A, { created_at: at(s) }));
      for (const contact of contacts) await stores.entities.insert(A, contact, []);
      await stores.entities.insert(B, makeContact(B, { created_at: at(9) }), []);

      const first = await stores.entities.list(A, 'contact', { limit: 2 });
      const second = await stores.entities.list(A, 'contact', { limit: 2, cursor: first.next_cursor });
      const third = await stores.entities.list(A, 'contact', { limit: 2, cursor: second.next_cursor });
      const seen = [...first.items, ...second.items, ...third.items].map((c) => c.id);

      expect(seen).toEqual(contacts.map((c) => c.id).reverse());
      expect(third.next_cursor).toBeUndefined();
    });

    it('when a cursor was not made by the store, then list throws InvalidCursorError', async () => {
      await expect(current().entities.list(A, 'contact', { limit: 2, cursor: 'bm90LWEtY3Vyc29y' })).rejects.toThrow(InvalidCursorError);
    });
  });

  describe('outbox', () => {
    it('when one relay holds a lease, then another claims nothing until it runs out, and a sent event is never claimed again', async () => {
      const stores = current();
      const [first, second] = [makeEvent(A), makeEvent(B)];
      await stores.entities.insert(A, makeContact(A), [first]);
      await stores.entities.insert(B, makeContact(B), [second]);

      expect(await stores.outbox.claim('relay-1', 60_000, 10)).toEqual([first, second]);
      expect(await stores.outbox.claim('relay-2', 60_000, 10)).toEqual([]);

      await stores.outbox.markSent(A, first.id);
      expect(await stores.outbox.unsent(A)).toEqual([]);
      expect(await stores.outbox.unsent(B)).toEqual([second]);
    });

    it('when a relay claims again before its lease runs out, then it gets its own unsent events back', async () => {
      const stores = current();
      const event = makeEvent(A);
      await stores.entities.insert(A, makeContact(A), [event]);

      expect(await stores.outbox.claim('relay-1', 60_000, 10)).toEqual([event]);
      expect(await stores.outbox.claim('relay-1', 60_000, 10)).toEqual([event]);
      expect(await stores.outbox.claim('relay-2', 60_000, 10)).toEqual([]);
    });

    it('when a lease runs out unsent, then another relay claims the event', async () => {
      const stores = current();
      const event = makeEvent(A);
      await stores.entities.insert(A, makeContact(A), [event]);

      expect(await stores.outbox.claim('relay-1', 0, 1)).toEqual([event]);
      expect(await stores.outbox.claim('relay-2', 60_000, 1)).toEqual([event]);
    });
  });

  describe('settings', () => {
    it('when a tenant never set any, then it gets the defaults; its own settings stay its own', async () => {
      const stores = current();
      expect(await stores.settings.get(A)).toEqual({ high_value_threshold: 10_000 });
      await stores.settings.put(A, { high_value_threshold: 500 });
      await stores.settings.put(A, { high_value_threshold: 750 });
      expect(await stores.settings.get(A)).toEqual({ high_value_threshold: 750 });
      expect(await stores.settings.get(B)).toEqual({ high_value_threshold: 10_000 });
    });
  });
}
