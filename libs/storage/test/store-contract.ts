import { randomUUID } from 'node:crypto';
import { ExecutionSchema, NotificationSchema, parseTenantId, type AuditEntry, type Execution, type Page, type Rule, type RuleFilter, type RuleVersion, type TenantId } from '@flowline/contracts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InvalidCursorError, type Stores } from '../src/index.ts';
import { actionStoreContract } from './action-store-contract.ts';
import { entityStoreContract } from './entity-store-contract.ts';
import { eventStoreContract } from './event-store-contract.ts';
import { retentionContract } from './retention-contract.ts';
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

  /** The tenant's rules that `filter` matches, all on one page. */
  const rulesOf = async (tenant: TenantId, filter: Omit<RuleFilter, 'limit'>) => (await stores.rules.list(tenant, { limit: 500, ...filter })).items;

  it('when pinged, then it resolves', async () => {
    await expect(stores.ping()).resolves.toBeUndefined();
  });

  describe('rules', () => {
    it('when a rule is inserted, then get returns it unchanged', async () => {
      const rule = makeRule(A);
      await stores.rules.insert(A, rule);
      expect(await stores.rules.get(A, rule.id)).toEqual(rule);
    });

    it('when rules are counted, then only the tenant\'s own count, up to atMost', async () => {
      for (let i = 0; i < 3; i += 1) await stores.rules.insert(A, makeRule(A));
      await stores.rules.insert(B, makeRule(B));
      expect(await stores.rules.count(A, 10)).toBe(3);
      expect(await stores.rules.count(A, 2)).toBe(2);
      expect(await stores.rules.count(B, 10)).toBe(1);
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
      expect(ids(await rulesOf(A, {}))).toEqual([newest.id, middle.id, oldest.id]);
    });

    it('when two rules share created_at, then the larger id comes first', async () => {
      const low = makeRule(A, { id: '00000000-0000-4000-8000-000000000001', created_at: at(5) });
      const high = makeRule(A, { id: 'ffffffff-0000-4000-8000-000000000001', created_at: at(5) });
      await stores.rules.insert(A, low);
      await stores.rules.insert(A, high);
      expect(ids(await rulesOf(A, {}))).toEqual([high.id, low.id]);
    });

    it('when rules are listed by module_type, trigger_id or is_active, then only matching rules come back', async () => {
      const salesActive = makeRule(A, { module_type: 'sales', trigger_id: 'opportunity_created', is_active: true, created_at: at(3) });
      const salesInactive = makeRule(A, { module_type: 'sales', trigger_id: 'opportunity_created', is_active: false, created_at: at(2) });
      const crmActive = makeRule(A, { module_type: 'crm', trigger_id: 'contact_created', is_active: true, created_at: at(1) });
      for (const rule of [salesActive, salesInactive, crmActive]) await stores.rules.insert(A, rule);

      expect(ids(await rulesOf(A, { module_type: 'sales' }))).toEqual([salesActive.id, salesInactive.id]);
      expect(ids(await rulesOf(A, { module_type: 'crm' }))).toEqual([crmActive.id]);
      expect(ids(await rulesOf(A, { trigger_id: 'contact_created' }))).toEqual([crmActive.id]);
      expect(ids(await rulesOf(A, { is_active: true }))).toEqual([salesActive.id, crmActive.id]);
      expect(ids(await rulesOf(A, { is_active: false }))).toEqual([salesInactive.id]);
      expect(ids(await rulesOf(A, { module_type: 'sales', is_active: false }))).toEqual([salesInactive.id]);
      expect(await rulesOf(A, { module_type: 'crm', trigger_id: 'opportunity_created' })).toEqual([]);
    });

    it('when a rule is replaced, then get, list filters and findActiveByTrigger see the new version', async () => {
      const rule = makeRule(A, { trigger_id: 'opportunity_created', is_active: true });
      await stores.rules.insert(A, rule);
      const changed: Rule = { ...rule, name: 'Renamed', trigger_id: 'opportunity_won', is_active: false, version: 2, updated_at: at(60) };

      expect(await stores.rules.replace(A, changed, 1)).toBe('replaced');

      expect(await stores.rules.get(A, rule.id)).toEqual(changed);
      expect(ids(await rulesOf(A, { is_active: false }))).toEqual([rule.id]);
      expect(await rulesOf(A, { trigger_id: 'opportunity_created' })).toEqual([]);
      expect(await stores.rules.findActiveByTrigger(A, 'opportunity_won')).toEqual([]);
    });

    it('when a rule that does not exist is replaced, then replace says not_found and stores nothing', async () => {
      const rule = makeRule(A);
      expect(await stores.rules.replace(A, rule, 1)).toBe('not_found');
      expect(await stores.rules.get(A, rule.id)).toBeNull();
    });

    it('when two writers replace a rule from the same version, then the first wins and the second gets version_conflict', async () => {
      const rule = makeRule(A);
      await stores.rules.insert(A, rule);
      const first = { ...rule, name: 'First', version: 2 };
      const second = { ...rule, name: 'Second', version: 2 };
      expect(await stores.rules.replace(A, first, 1)).toBe('replaced');
      expect(await stores.rules.replace(A, second, 1)).toBe('version_conflict');
      expect(await stores.rules.get(A, rule.id)).toEqual(first);
      expect(await stores.rules.replace(A, { ...first, name: 'Third', version: 3 }, 2)).toBe('replaced');
    });

    it('when a rule is deleted, then it is gone and a second delete returns false', async () => {
      const rule = makeRule(A);
      const other = makeRule(A);
      await stores.rules.insert(A, rule);
      await stores.rules.insert(A, other);

      expect(await stores.rules.delete(A, rule.id)).toBe(true);
      expect(await stores.rules.get(A, rule.id)).toBeNull();
      expect(await stores.rules.delete(A, rule.id)).toBe(false);
      expect(ids(await rulesOf(A, {}))).toEqual([other.id]);
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
      expect(await rulesOf(B, {})).toEqual([]);
      expect(await rulesOf(B, { trigger_id: rule.trigger_id, is_active: true })).toEqual([]);
      expect(await stores.rules.findActiveByTrigger(B, rule.trigger_id)).toEqual([]);
      expect(await stores.rules.replace(B, { ...rule, tenant_id: B, name: 'Hijacked' }, 1)).toBe('not_found');
      expect(await stores.rules.delete(B, rule.id)).toBe(false);

      expect(await stores.rules.get(A, rule.id)).toEqual(rule);
      expect(await stores.rules.get(B, rule.id)).toBeNull();
    });

    it("when a rule's tenant_id differs from the tenant argument, then insert and replace throw and store nothing", async () => {
      const rule = makeRule(A);
      await stores.rules.insert(A, rule);
      const foreign = makeRule(B);

      await expect(stores.rules.insert(A, foreign)).rejects.toThrow(/tenant mismatch/);
      await expect(stores.rules.replace(B, { ...rule, name: 'Renamed' }, 1)).rejects.toThrow(/tenant mismatch/);

      expect(await stores.rules.get(A, foreign.id)).toBeNull();
      expect(await stores.rules.get(B, foreign.id)).toBeNull();
      expect(await stores.rules.get(A, rule.id)).toEqual(rule);
    });
  });

  eventStoreContract(() => stores);

  describe('rule versions and the audit log', () => {
    const snapshot = (rule: Rule, version: number): RuleVersion => ({
      tenant_id: rule.tenant_id,
      rule_id: rule.id,
      version,
      action: version === 1 ? 'created' : 'updated',
      actor: 'alice',
      created_at: at(version),
      rule: { ...rule, version },
    });
    const entry = (tenant: typeof A, seconds: number, overrides: Partial<AuditEntry> = {}): AuditEntry => ({
      id: randomUUID(),
      tenant_id: tenant,
      created_at: at(seconds),
      actor: 'alice',
      action: 'rule.updated',
      target_type: 'rule',
      target_id: randomUUID(),
      target_name: 'r',
      version_before: 1,
      version_after: 2,
      changed_fields: ['name'],
      ...overrides,
    });

    const record = (rule: Rule, version: number, seconds = version) => ({ snapshot: snapshot(rule, version), entry: entry(rule.tenant_id as typeof A, seconds, { target_id: rule.id }) });

    it('when a rule is created and replaced with records, then its versions list newest first, each readable by number, each with its audit entry', async () => {
      const rule = makeRule(A);
      await stores.rules.insert(A, rule, record(rule, 1));
      expect(await stores.rules.replace(A, { ...rule, version: 2 }, 1, record(rule, 2))).toBe('replaced');
      expect(await stores.rules.replace(A, { ...rule, version: 3 }, 2, record(rule, 3))).toBe('replaced');
      expect((await stores.audit.ruleVersions(A, rule.id, { limit: 50 })).items.map((s) => s.version)).toEqual([3, 2, 1]);
      expect((await stores.audit.ruleVersions(A, rule.id, { limit: 2 })).items.map((s) => s.version)).toEqual([3, 2]);
      expect(await stores.audit.ruleVersion(A, rule.id, 2)).toEqual(snapshot(rule, 2));
      expect(await stores.audit.ruleVersion(A, rule.id, 9)).toBeNull();
      expect((await stores.audit.list(A, { limit: 50 })).items).toHaveLength(3);
    });

    it('when a rule write does not happen (stale version, unknown rule, duplicate id), then nothing of its record is kept', async () => {
      const rule = makeRule(A);
      await stores.rules.insert(A, rule, record(rule, 1));
      expect(await stores.rules.replace(A, { ...rule, name: 'Late', version: 2 }, 7, record(rule, 2))).toBe('version_conflict');
      const missing = makeRule(A);
      expect(await stores.rules.replace(A, { ...missing, version: 2 }, 1, record(missing, 2))).toBe('not_found');
      expect(await stores.rules.delete(A, missing.id, { snapshot: null, entry: entry(A, 5) })).toBe(false);
      await expect(stores.rules.insert(A, { ...rule, name: 'Impostor' }, { snapshot: { ...snapshot(rule, 1), actor: 'mallory' }, entry: entry(A, 6) })).rejects.toThrow();
      expect((await stores.audit.ruleVersions(A, rule.id, { limit: 50 })).items.map((s) => [s.version, s.actor])).toEqual([[1, 'alice']]);
      expect((await stores.audit.ruleVersions(A, missing.id, { limit: 50 })).items).toEqual([]);
      expect((await stores.audit.list(A, { limit: 50 })).items).toHaveLength(1);
    });

    it('when a version is recorded twice, then the second change is refused whole: the rule keeps the first', async () => {
      const rule = makeRule(A);
      await stores.rules.insert(A, rule, record(rule, 1));
      // Version 2 already has a snapshot (a bug elsewhere must not overwrite history).
      expect(await stores.rules.replace(A, { ...rule, version: 2 }, 1, record(rule, 2))).toBe('replaced');
      const resurrected = makeRule(A, { id: rule.id, name: 'Other' });
      await stores.rules.delete(A, rule.id);
      await expect(stores.rules.insert(A, { ...resurrected, version: 2 }, record(resurrected, 2))).rejects.toThrow();
      expect(await stores.rules.get(A, rule.id)).toBeNull();
      expect((await stores.audit.ruleVersion(A, rule.id, 2))?.rule.name).toBe(rule.name);
    });

    it('when a rule is deleted with a record, then its entry is kept and its snapshots stay readable', async () => {
      const rule = makeRule(A);
      await stores.rules.insert(A, rule, record(rule, 1));
      expect(await stores.rules.delete(A, rule.id, { snapshot: null, entry: entry(A, 9, { action: 'rule.deleted', target_id: rule.id }) })).toBe(true);
      expect((await stores.audit.ruleVersions(A, rule.id, { limit: 50 })).items.map((s) => s.version)).toEqual([1]);
      expect((await stores.audit.list(A, { limit: 1 })).items[0]?.action).toBe('rule.deleted');
    });

    it("when tenant B asks for tenant A's rule versions or audit entries, then it sees none, and a record of another tenant is refused", async () => {
      const rule = makeRule(A);
      await stores.rules.insert(A, rule, record(rule, 1));
      expect((await stores.audit.ruleVersions(B, rule.id, { limit: 50 })).items).toEqual([]);
      expect(await stores.audit.ruleVersion(B, rule.id, 1)).toBeNull();
      expect(await stores.audit.list(B, { limit: 50 })).toEqual({ items: [] });
      const other = makeRule(B);
      await expect(stores.rules.insert(B, other, record(rule, 1))).rejects.toThrow(/tenant mismatch/);
      expect(await stores.rules.get(B, other.id)).toBeNull();
      await expect(stores.audit.append(B, entry(A, 2))).rejects.toThrow(/tenant mismatch/);
    });

    it('when audit entries are listed a page at a time, then they come newest first, ties broken by id, with a cursor until the last page', async () => {
      const entries = [entry(A, 1), entry(A, 3), entry(A, 2), entry(A, 2), entry(A, 4)];
      for (const e of entries) await stores.audit.append(A, e);
      const expected = [...entries].sort((x, y) => (x.created_at === y.created_at ? (x.id < y.id ? 1 : -1) : x.created_at < y.created_at ? 1 : -1)).map((e) => e.id);
      const first = await stores.audit.list(A, { limit: 2 });
      const second = await stores.audit.list(A, { limit: 2, cursor: first.next_cursor });
      const third = await stores.audit.list(A, { limit: 2, cursor: second.next_cursor });
      expect([...first.items, ...second.items, ...third.items].map((e) => e.id)).toEqual(expected);
      expect(third.next_cursor).toBeUndefined();
      expect(first.items[0]).toEqual(entries[4]);
      await expect(stores.audit.list(A, { limit: 2, cursor: 'bm90LWEtY3Vyc29y' })).rejects.toThrow(/cursor/);
    });
  });

  describe('notifications', () => {
    it('when a notification is inserted twice, then the second insert returns false and the first stays', async () => {
      const notification = makeNotification(A);
      expect(await stores.notifications.insertIfAbsent(A, notification)).toBe(true);
      expect(await stores.notifications.insertIfAbsent(A, { ...notification, message: 'Second delivery' })).toBe(false);
      expect(await stores.notifications.get(A, notification.id)).toEqual(notification);
      expect((await stores.notifications.list(A, { limit: 50 })).items).toEqual([notification]);
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
      expect((await stores.notifications.list(A, { limit: 50 })).items).toEqual([]);
    });

    it('when notifications are listed, then they come newest first, at most limit', async () => {
      const oldest = makeNotification(A, { created_at: at(1) });
      const newest = makeNotification(A, { created_at: at(3) });
      const middle = makeNotification(A, { created_at: at(2) });
      for (const notification of [oldest, newest, middle]) await stores.notifications.insertIfAbsent(A, notification);

      expect(ids((await stores.notifications.list(A, { limit: 50 })).items)).toEqual([newest.id, middle.id, oldest.id]);
      expect(ids((await stores.notifications.list(A, { limit: 2 })).items)).toEqual([newest.id, middle.id]);
    });

    it("when tenant B uses tenant A's notification id, then B can neither read, list nor change it", async () => {
      const notification = makeNotification(A);
      await stores.notifications.insertIfAbsent(A, notification);

      expect(await stores.notifications.get(B, notification.id)).toBeNull();
      expect((await stores.notifications.list(B, { limit: 50 })).items).toEqual([]);
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
      expect((await stores.tasks.list(A, { limit: 50 })).items).toEqual([task]);
    });

    it('when tasks are listed, then they come newest first, at most limit', async () => {
      const oldest = makeTask(A, { created_at: at(1) });
      const newest = makeTask(A, { created_at: at(3) });
      const middle = makeTask(A, { created_at: at(2) });
      for (const task of [middle, oldest, newest]) await stores.tasks.insertIfAbsent(A, task);

      expect(ids((await stores.tasks.list(A, { limit: 50 })).items)).toEqual([newest.id, middle.id, oldest.id]);
      expect(ids((await stores.tasks.list(A, { limit: 1 })).items)).toEqual([newest.id]);
    });

    it("when tenant B lists tasks, then it sees none of tenant A's, and the same id stays separate per tenant", async () => {
      const ofA = makeTask(A);
      await stores.tasks.insertIfAbsent(A, ofA);
      expect((await stores.tasks.list(B, { limit: 50 })).items).toEqual([]);

      const ofB = makeTask(B, { id: ofA.id, title: 'For B' });
      expect(await stores.tasks.insertIfAbsent(B, ofB)).toBe(true);
      expect((await stores.tasks.list(A, { limit: 50 })).items).toEqual([ofA]);
      expect((await stores.tasks.list(B, { limit: 50 })).items).toEqual([ofB]);
    });

    it("when a task's tenant_id differs from the tenant argument, then insertIfAbsent throws and stores nothing", async () => {
      const foreign = makeTask(B);
      await expect(stores.tasks.insertIfAbsent(A, foreign)).rejects.toThrow(/tenant mismatch/);
      expect((await stores.tasks.list(A, { limit: 50 })).items).toEqual([]);
      expect((await stores.tasks.list(B, { limit: 50 })).items).toEqual([]);
    });
  });

  describe('cursor pages of rules, notifications, tasks and rule versions', () => {
    /** Every page of a list from the first on, following next_cursor; how many pages it took. */
    async function walk<T>(read: (cursor: string | undefined) => Promise<Page<T>>): Promise<{ items: T[]; pages: number }> {
      const items: T[] = [];
      let pages = 0;
      let cursor: string | undefined;
      do {
        const page = await read(cursor);
        items.push(...page.items);
        cursor = page.next_cursor;
        if (++pages > 50) throw new Error('the cursor never runs out');
      } while (cursor !== undefined);
      return { items, pages };
    }
    /** Newest first by created_at, ties broken by the larger id first: the order every list pages in. */
    const newestFirst = (docs: Array<{ id: string; created_at: string }>) =>
      [...docs].sort((x, y) => (x.created_at === y.created_at ? (x.id < y.id ? 1 : -1) : x.created_at < y.created_at ? 1 : -1)).map((d) => d.id);

    it('when 7 rules (sharing created_at in threes) are read 2 at a time, then 4 pages hold each exactly once, newest first, filters too', async () => {
      const rules = Array.from({ length: 7 }, (_, i) => makeRule(A, { created_at: at(i % 3), is_active: i % 2 === 0 }));
      for (const rule of rules) await stores.rules.insert(A, rule);
      await stores.rules.insert(B, makeRule(B, { created_at: at(1) }));

      const all = await walk((cursor) => stores.rules.list(A, { limit: 2, cursor }));
      expect(ids(all.items)).toEqual(newestFirst(rules));
      expect(all.pages).toBe(4);
      const active = await walk((cursor) => stores.rules.list(A, { limit: 2, is_active: true, cursor }));
      expect(ids(active.items)).toEqual(newestFirst(rules.filter((r) => r.is_active)));
      expect(active.pages).toBe(2);
      // A page that ends the list exactly says so: no cursor to an empty page.
      expect((await stores.rules.list(A, { limit: 7 })).next_cursor).toBeUndefined();
    });

    it('when notifications and tasks are read 2 at a time, then every one comes once, newest first, and the last page has no cursor', async () => {
      const notifications = Array.from({ length: 5 }, (_, i) => makeNotification(A, { created_at: at(i % 2) }));
      const tasks = Array.from({ length: 6 }, (_, i) => makeTask(A, { created_at: at(i % 2) }));
      for (const n of notifications) await stores.notifications.insertIfAbsent(A, n);
      for (const t of tasks) await stores.tasks.insertIfAbsent(A, t);

      const readNotifications = await walk((cursor) => stores.notifications.list(A, { limit: 2, cursor }));
      expect(ids(readNotifications.items)).toEqual(newestFirst(notifications));
      expect(readNotifications.pages).toBe(3);
      const readTasks = await walk((cursor) => stores.tasks.list(A, { limit: 2, cursor }));
      expect(ids(readTasks.items)).toEqual(newestFirst(tasks));
      expect(readTasks.pages).toBe(3);
    });

    it('when a rule has 5 versions read 2 at a time, then 3 pages hold 5..1, each once', async () => {
      const rule = makeRule(A);
      for (let version = 1; version <= 5; version += 1) {
        const snapshot: RuleVersion = { tenant_id: A, rule_id: rule.id, version, action: 'updated', actor: 'alice', created_at: at(10 - version), rule: { ...rule, version } };
        const entry: AuditEntry = { id: randomUUID(), tenant_id: A, created_at: at(version), actor: 'alice', action: 'rule.updated', target_type: 'rule', target_id: rule.id, target_name: 'r', version_before: null, version_after: version, changed_fields: [] };
        if (version === 1) await stores.rules.insert(A, rule, { snapshot, entry });
        else expect(await stores.rules.replace(A, { ...rule, version }, version - 1, { snapshot, entry })).toBe('replaced');
      }
      const versions = await walk((cursor) => stores.audit.ruleVersions(A, rule.id, { limit: 2, cursor }));
      expect(versions.items.map((v) => v.version)).toEqual([5, 4, 3, 2, 1]);
      expect(versions.pages).toBe(3);
    });

    it("when tenant B sends a cursor from tenant A's page, then B gets only its own items after that position, never A's", async () => {
      const ofA = Array.from({ length: 4 }, (_, i) => makeRule(A, { created_at: at(10 + i) }));
      const ofB = Array.from({ length: 3 }, (_, i) => makeRule(B, { created_at: at(i) }));
      for (const rule of ofA) await stores.rules.insert(A, rule);
      for (const rule of ofB) await stores.rules.insert(B, rule);
      const notificationsOfA = Array.from({ length: 3 }, (_, i) => makeNotification(A, { created_at: at(10 + i) }));
      const taskOfB = makeTask(B, { created_at: at(1) });
      for (const n of notificationsOfA) await stores.notifications.insertIfAbsent(A, n);
      await stores.tasks.insertIfAbsent(A, makeTask(A, { created_at: at(20) }));
      await stores.tasks.insertIfAbsent(A, makeTask(A, { created_at: at(19) }));
      await stores.tasks.insertIfAbsent(B, taskOfB);

      const rulesCursor = (await stores.rules.list(A, { limit: 1 })).next_cursor;
      const asB = await walk((cursor) => stores.rules.list(B, { limit: 2, cursor: cursor ?? rulesCursor }));
      expect(ids(asB.items)).toEqual(newestFirst(ofB));
      expect(asB.items.every((rule) => rule.tenant_id === B)).toBe(true);
      const notificationsCursor = (await stores.notifications.list(A, { limit: 1 })).next_cursor;
      expect((await stores.notifications.list(B, { limit: 50, cursor: notificationsCursor })).items).toEqual([]);
      const tasksCursor = (await stores.tasks.list(A, { limit: 1 })).next_cursor;
      expect((await stores.tasks.list(B, { limit: 50, cursor: tasksCursor })).items).toEqual([taskOfB]);
    });

    it('when a cursor is not one the list made (garbage, or another kind of list’s), then the read rejects with an invalid-cursor error', async () => {
      const rule = makeRule(A);
      await stores.rules.insert(A, rule);
      await stores.rules.insert(A, makeRule(A));
      const ruleCursor = (await stores.rules.list(A, { limit: 1 })).next_cursor!;
      const versionCursor = Buffer.from(JSON.stringify(['v', 3])).toString('base64url');
      await expect(stores.rules.list(A, { limit: 2, cursor: 'bm90LWEtY3Vyc29y' })).rejects.toThrow(InvalidCursorError);
      await expect(stores.rules.list(A, { limit: 2, cursor: versionCursor })).rejects.toThrow(InvalidCursorError);
      await expect(stores.notifications.list(A, { limit: 2, cursor: 'bm90LWEtY3Vyc29y' })).rejects.toThrow(InvalidCursorError);
      await expect(stores.tasks.list(A, { limit: 2, cursor: 'bm90LWEtY3Vyc29y' })).rejects.toThrow(InvalidCursorError);
      await expect(stores.audit.ruleVersions(A, rule.id, { limit: 2, cursor: ruleCursor })).rejects.toThrow(InvalidCursorError);
      expect((await stores.audit.ruleVersions(A, rule.id, { limit: 2, cursor: versionCursor })).items).toEqual([]);
    });
  });

  entityStoreContract(() => stores);
  retentionContract(() => stores);
  actionStoreContract(() => stores);
}
