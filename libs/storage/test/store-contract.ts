import { ExecutionSchema, NotificationSchema, parseTenantId, type Execution, type Rule } from '@flowline/contracts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Stores } from '../src/index.ts';
import { actionStoreContract } from './action-store-contract.ts';
import { entityStoreContract } from './entity-store-contract.ts';
import { eventStoreContract } from './event-store-contract.ts';
import { at, makeExecution, makeNotification, makeRule, makeTask } from './documents.ts';

const A = parseTenantId('tenant-a');
const B = parseTenantId('tenant-b');

const ids = (docs: Array<{ id: string }>) => docs.map((doc) => doc.id);

/**
 * The behaviour every {@link Stores} adapter must show. `makeStores` is called before each
 * test and must return stores over an empty database; the stores are closed after it.
 */
export function storeContract(makeStores: () => Promise<Stores>): void {
  let stores: Stores;

  beforeEach(async () => {
    stores = await makeStores();
  });

  afterEach(async () => {
    await stores.close();
  });

  it('when pinged, then it resolves', async () => {
    await expect(stores.ping()).resolves.toBeUndefined();
  });

  describe('rules', () => {
    it('when a rule is inserted, then get returns it unchanged', async () => {
      const rule = makeRule(A);
      await stores.rules.insert(A, rule);
      expect(await stores.rules.get(A, rule.id)).toEqual(rule);
    });

    it('when the id is unknown, then get returns null', async () => {
      await stores.rules.insert(A, makeRule(A));
      expect(await stores.rules.get(A, makeRule(A).id)).toBeNull();
    });

    it('when a rule id is inserted twice, then the second insert rejects and the first rule stays', async () => {
      const rule = makeRule(A);
      await stores.rules.insert(A, rule);
      await expect(stores.rules.insert(A, { ...rule, name: 'Impostor' })).rejects.toThrow();
      expect(await stores.rules.get(A, rule.id)).toEqual(rule);
    });

    it('when rules are listed without a filter, then all of them come newest first', async () => {
      const oldest = makeRule(A, { created_at: at(0) });
      const newest = makeRule(A, { created_at: at(20) });
      const middle = makeRule(A, { created_at: at(10) });
      for (const rule of [oldest, newest, middle]) await stores.rules.insert(A, rule);
      expect(ids(await stores.rules.list(A, {}))).toEqual([newest.id, middle.id, oldest.id]);
    });

    it('when two rules share created_at, then the larger id comes first', async () => {
      const low = makeRule(A, { id: '00000000-0000-4000-8000-000000000001', created_at: at(5) });
      const high = makeRule(A, { id: 'ffffffff-0000-4000-8000-000000000001', created_at: at(5) });
      await stores.rules.insert(A, low);
      await stores.rules.insert(A, high);
      expect(ids(await stores.rules.list(A, {}))).toEqual([high.id, low.id]);
    });

    it('when rules are listed by module_type, trigger_id or is_active, then only matching rules come back', async () => {
      const salesActive = makeRule(A, { module_type: 'sales', trigger_id: 'opportunity_created', is_active: true, created_at: at(3) });
      const salesInactive = makeRule(A, { module_type: 'sales', trigger_id: 'opportunity_created', is_active: false, created_at: at(2) });
      const crmActive = makeRule(A, { module_type: 'crm', trigger_id: 'contact_created', is_active: true, created_at: at(1) });
      for (const rule of [salesActive, salesInactive, crmActive]) await stores.rules.insert(A, rule);

      expect(ids(await stores.rules.list(A, { module_type: 'sales' }))).toEqual([salesActive.id, salesInactive.id]);
      expect(ids(await stores.rules.list(A, { module_type: 'crm' }))).toEqual([crmActive.id]);
      expect(ids(await stores.rules.list(A, { trigger_id: 'contact_created' }))).toEqual([crmActive.id]);
      expect(ids(await stores.rules.list(A, { is_active: true }))).toEqual([salesActive.id, crmActive.id]);
      expect(ids(await stores.rules.list(A, { is_active: false }))).toEqual([salesInactive.id]);
      expect(ids(await stores.rules.list(A, { module_type: 'sales', is_active: false }))).toEqual([salesInactive.id]);
      expect(await stores.rules.list(A, { module_type: 'crm', trigger_id: 'opportunity_created' })).toEqual([]);
    });

    it('when a rule is replaced, then get, list filters and findActiveByTrigger see the new version', async () => {
      const rule = makeRule(A, { trigger_id: 'opportunity_created', is_active: true });
      await stores.rules.insert(A, rule);
      const changed: Rule = { ...rule, name: 'Renamed', trigger_id: 'opportunity_won', is_active: false, updated_at: at(60) };

      expect(await stores.rules.replace(A, changed)).toBe(true);

      expect(await stores.rules.get(A, rule.id)).toEqual(changed);
      expect(ids(await stores.rules.list(A, { is_active: false }))).toEqual([rule.id]);
      expect(await stores.rules.list(A, { trigger_id: 'opportunity_created' })).toEqual([]);
      expect(await stores.rules.findActiveByTrigger(A, 'opportunity_won')).toEqual([]);
    });

    it('when a rule that does not exist is replaced, then replace returns false and stores nothing', async () => {
      const rule = makeRule(A);
      expect(await stores.rules.replace(A, rule)).toBe(false);
      expect(await stores.rules.get(A, rule.id)).toBeNull();
    });

    it('when a rule is deleted, then it is gone and a second delete returns false', async () => {
      const rule = makeRule(A);
      const other = makeRule(A);
      await stores.rules.insert(A, rule);
      await stores.rules.insert(A, other);

      expect(await stores.rules.delete(A, rule.id)).toBe(true);
      expect(await stores.rules.get(A, rule.id)).toBeNull();
      expect(await stores.rules.delete(A, rule.id)).toBe(false);
      expect(ids(await stores.rules.list(A, {}))).toEqual([other.id]);
    });

    it('when rules are found by trigger, then only active rules of that tenant and trigger come back, newest first', async () => {
      const older = makeRule(A, { trigger_id: 'opportunity_created', is_active: true, created_at: at(1) });
      const newer = makeRule(A, { trigger_id: 'opportunity_created', is_active: true, created_at: at(2) });
      const inactive = makeRule(A, { trigger_id: 'opportunity_created', is_active: false, created_at: at(3) });
      const otherTrigger = makeRule(A, { trigger_id: 'opportunity_won', is_active: true, created_at: at(4) });
      const otherTenant = makeRule(B, { trigger_id: 'opportunity_created', is_active: true, created_at: at(5) });
      for (const rule of [older, newer, inactive, otherTrigger]) await stores.rules.insert(A, rule);
      await stores.rules.insert(B, otherTenant);

      expect(await stores.rules.findActiveByTrigger(A, 'opportunity_created')).toEqual([newer, older]);
      expect(await stores.rules.findActiveByTrigger(B, 'opportunity_created')).toEqual([otherTenant]);
      expect(await stores.rules.findActiveByTrigger(A, 'contact_created')).toEqual([]);
    });

    it("when tenant B uses tenant A's rule id, then B can neither read, list, find, replace nor delete A's rule", async () => {
      const rule = makeRule(A);
      await stores.rules.insert(A, rule);

      expect(await stores.rules.get(B, rule.id)).toBeNull();
      expect(await stores.rules.list(B, {})).toEqual([]);
      expect(await stores.rules.list(B, { trigger_id: rule.trigger_id, is_active: true })).toEqual([]);
      expect(await stores.rules.findActiveByTrigger(B, rule.trigger_id)).toEqual([]);
      expect(await stores.rules.replace(B, { ...rule, tenant_id: B, name: 'Hijacked' })).toBe(false);
      expect(await stores.rules.delete(B, rule.id)).toBe(false);

      expect(await stores.rules.get(A, rule.id)).toEqual(rule);
      expect(await stores.rules.get(B, rule.id)).toBeNull();
    });

    it("when a rule's tenant_id differs from the tenant argument, then insert and replace throw and store nothing", async () => {
      const rule = makeRule(A);
      await stores.rules.insert(A, rule);
      const foreign = makeRule(B);

      await expect(stores.rules.insert(A, foreign)).rejects.toThrow(/tenant mismatch/);
      await expect(stores.rules.replace(B, { ...rule, name: 'Renamed' })).rejects.toThrow(/tenant mismatch/);

      expect(await stores.rules.get(A, foreign.id)).toBeNull();
      expect(await stores.rules.get(B, foreign.id)).toBeNull();
      expect(await stores.rules.get(A, rule.id)).toEqual(rule);
    });
  });

  eventStoreContract(() => stores);

  describe('notifications', () => {
    it('when a notification is inserted twice, then the second insert returns false and the first stays', async () => {
      const notification = makeNotification(A);
      expect(await stores.notifications.insertIfAbsent(A, notification)).toBe(true);
      expect(await stores.notifications.insertIfAbsent(A, { ...notification, message: 'Second delivery' })).toBe(false);
      expect(await stores.notifications.get(A, notification.id)).toEqual(notification);
      expect(await stores.notifications.list(A, { limit: 50 })).toEqual([notification]);
    });

    it('when the id is unknown, then get returns null', async () => {
      await stores.notifications.insertIfAbsent(A, makeNotification(A));
      expect(await stores.notifications.get(A, makeNotification(A).id)).toBeNull();
    });

    it('when the email status is set, then it is stored with its error, and a later status without error drops the error', async () => {
      const notification = makeNotification(A, { email_status: 'pending' });
      await stores.notifications.insertIfAbsent(A, notification);

      await stores.notifications.setEmailStatus(A, notification.id, 'failed', 'connection refused');
      expect(await stores.notifications.get(A, notification.id)).toEqual({ ...notification, email_status: 'failed', email_error: 'connection refused' });

      await stores.notifications.setEmailStatus(A, notification.id, 'sent');
      const sent = NotificationSchema.parse(await stores.notifications.get(A, notification.id));
      expect(sent).toEqual({ ...notification, email_status: 'sent' });
      expect(sent).not.toHaveProperty('email_error');
    });

    it('when the email status of an unknown notification is set, then nothing is created', async () => {
      const notification = makeNotification(A);
      await expect(stores.notifications.setEmailStatus(A, notification.id, 'sent')).resolves.toBeUndefined();
      expect(await stores.notifications.get(A, notification.id)).toBeNull();
      expect(await stores.notifications.list(A, { limit: 50 })).toEqual([]);
    });

    it('when notifications are listed, then they come newest first, at most limit', async () => {
      const oldest = makeNotification(A, { created_at: at(1) });
      const newest = makeNotification(A, { created_at: at(3) });
      const middle = makeNotification(A, { created_at: at(2) });
      for (const notification of [oldest, newest, middle]) await stores.notifications.insertIfAbsent(A, notification);

      expect(ids(await stores.notifications.list(A, { limit: 50 }))).toEqual([newest.id, middle.id, oldest.id]);
      expect(ids(await stores.notifications.list(A, { limit: 2 }))).toEqual([newest.id, middle.id]);
    });

    it("when tenant B uses tenant A's notification id, then B can neither read, list nor change it", async () => {
      const notification = makeNotification(A);
      await stores.notifications.insertIfAbsent(A, notification);

      expect(await stores.notifications.get(B, notification.id)).toBeNull();
      expect(await stores.notifications.list(B, { limit: 50 })).toEqual([]);
      await stores.notifications.setEmailStatus(B, notification.id, 'failed', 'tampered');

      expect(await stores.notifications.get(A, notification.id)).toEqual(notification);
      expect(await stores.notifications.get(B, notification.id)).toBeNull();
    });

    it("when tenant B inserts a notification with the id of tenant A's, then each tenant keeps its own", async () => {
      const ofA = makeNotification(A);
      const ofB = makeNotification(B, { id: ofA.id, message: 'For B' });
      await stores.notifications.insertIfAbsent(A, ofA);

      expect(await stores.notifications.insertIfAbsent(B, ofB)).toBe(true);
      expect(await stores.notifications.get(A, ofA.id)).toEqual(ofA);
      expect(await stores.notifications.get(B, ofA.id)).toEqual(ofB);
    });

    it("when a notification's tenant_id differs from the tenant argument, then insertIfAbsent throws and stores nothing", async () => {
      const foreign = makeNotification(B);
      await expect(stores.notifications.insertIfAbsent(A, foreign)).rejects.toThrow(/tenant mismatch/);
      expect(await stores.notifications.get(A, foreign.id)).toBeNull();
      expect(await stores.notifications.get(B, foreign.id)).toBeNull();
    });
  });

  describe('tasks', () => {
    it('when a task is inserted twice, then the second insert returns false and the first stays', async () => {
      const task = makeTask(A);
      expect(await stores.tasks.insertIfAbsent(A, task)).toBe(true);
      expect(await stores.tasks.insertIfAbsent(A, { ...task, title: 'Second delivery' })).toBe(false);
      expect(await stores.tasks.list(A, { limit: 50 })).toEqual([task]);
    });

    it('when tasks are listed, then they come newest first, at most limit', async () => {
      const oldest = makeTask(A, { created_at: at(1) });
      const newest = makeTask(A, { created_at: at(3) });
      const middle = makeTask(A, { created_at: at(2) });
      for (const task of [middle, oldest, newest]) await stores.tasks.insertIfAbsent(A, task);

      expect(ids(await stores.tasks.list(A, { limit: 50 }))).toEqual([newest.id, middle.id, oldest.id]);
      expect(ids(await stores.tasks.list(A, { limit: 1 }))).toEqual([newest.id]);
    });

    it("when tenant B lists tasks, then it sees none of tenant A's, and the same id stays separate per tenant", async () => {
      const ofA = makeTask(A);
      await stores.tasks.insertIfAbsent(A, ofA);
      expect(await stores.tasks.list(B, { limit: 50 })).toEqual([]);

      const ofB = makeTask(B, { id: ofA.id, title: 'For B' });
      expect(await stores.tasks.insertIfAbsent(B, ofB)).toBe(true);
      expect(await stores.tasks.list(A, { limit: 50 })).toEqual([ofA]);
      expect(await stores.tasks.list(B, { limit: 50 })).toEqual([ofB]);
    });

    it("when a task's tenant_id differs from the tenant argument, then insertIfAbsent throws and stores nothing", async () => {
      const foreign = makeTask(B);
      await expect(stores.tasks.insertIfAbsent(A, foreign)).rejects.toThrow(/tenant mismatch/);
      expect(await stores.tasks.list(A, { limit: 50 })).toEqual([]);
      expect(await stores.tasks.list(B, { limit: 50 })).toEqual([]);
    });
  });

  entityStoreContract(() => stores);
  actionStoreContract(() => stores);
}
