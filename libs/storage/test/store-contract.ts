import { randomUUID } from 'node:crypto';
import { ExecutionSchema, NotificationSchema, parseTenantId, type AuditEntry, type Execution, type Rule, type RuleVersion } from '@flowline/contracts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Stores } from '../src/index.ts';
import { actionStoreContract } from './action-store-contract.ts';
import { entityStoreContract } from './entity-store-contract.ts';
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
      const changed: Rule = { ...rule, name: 'Renamed', trigger_id: 'opportunity_won', is_active: false, version: 2, updated_at: at(60) };

      expect(await stores.rules.replace(A, changed, 1)).toBe('replaced');

      expect(await stores.rules.get(A, rule.id)).toEqual(changed);
      expect(ids(await stores.rules.list(A, { is_active: false }))).toEqual([rule.id]);
      expect(await stores.rules.list(A, { trigger_id: 'opportunity_created' })).toEqual([]);
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
      expect((await stores.audit.ruleVersions(A, rule.id, { limit: 50 })).map((s) => s.version)).toEqual([3, 2, 1]);
      expect((await stores.audit.ruleVersions(A, rule.id, { limit: 2 })).map((s) => s.version)).toEqual([3, 2]);
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
      expect((await stores.audit.ruleVersions(A, rule.id, { limit: 50 })).map((s) => [s.version, s.actor])).toEqual([[1, 'alice']]);
      expect(await stores.audit.ruleVersions(A, missing.id, { limit: 50 })).toEqual([]);
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
      expect((await stores.audit.ruleVersions(A, rule.id, { limit: 50 })).map((s) => s.version)).toEqual([1]);
      expect((await stores.audit.list(A, { limit: 1 })).items[0]?.action).toBe('rule.deleted');
    });

    it("when tenant B asks for tenant A's rule versions or audit entries, then it sees none, and a record of another tenant is refused", async () => {
      const rule = makeRule(A);
      await stores.rules.insert(A, rule, record(rule, 1));
      expect(await stores.audit.ruleVersions(B, rule.id, { limit: 50 })).toEqual([]);
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

  describe('executions', () => {
    it('when an evaluation is recorded for the first time, then it is created and get returns it', async () => {
      const execution = makeExecution(A);
      expect(await stores.executions.recordEvaluation(A, execution)).toEqual({ created: true, execution });
      expect(await stores.executions.get(A, execution.id)).toEqual(execution);
    });

    it('when the same evaluation is recorded again, then the first stored one is returned and its action results are kept', async () => {
      const first = makeExecution(A, {}, 2);
      await stores.executions.recordEvaluation(A, first);
      await stores.executions.recordActionResult(A, first.id, 0, { status: 'succeeded', completed_at: at(30) });
      const stored = await stores.executions.get(A, first.id);

      const redelivered: Execution = { ...makeExecution(A, { id: first.id }, 2), notes: ['redelivered'] };
      const again = await stores.executions.recordEvaluation(A, redelivered);

      expect(again).toEqual({ created: false, execution: stored });
      expect(again.execution.actions[0]?.status).toBe('succeeded');
      expect(await stores.executions.get(A, first.id)).toEqual(stored);
    });

    it("when one event's evaluations are recorded together and one was stored before, then the others are created and the stored one is returned as it was", async () => {
      const earlier = makeExecution(A, {}, 1);
      await stores.executions.recordEvaluation(A, earlier);
      await stores.executions.recordActionResult(A, earlier.id, 0, { status: 'succeeded', completed_at: at(7) });
      const stored = await stores.executions.get(A, earlier.id);
      const [first, last] = [makeExecution(A), makeExecution(A)];

      const recorded = await stores.executions.recordEvaluations(A, [first, { ...earlier, notes: ['again'] }, last]);

      expect(recorded).toEqual([
        { created: true, execution: first },
        { created: false, execution: stored },
        { created: true, execution: last },
      ]);
      expect(await stores.executions.get(A, last.id)).toEqual(last);
    });

    it('when event data copied into an execution has keys with $ and dots, then it is stored, redelivered and updated intact', async () => {
      const awkward = { $where: 'sleep(1000)', 'address.city': 'Berlin', nested: { $gt: 1 } };
      const execution = makeExecution(A, {
        conditions: [{ index: 0, type: 'equals', field: 'contact', expected: 'x', actual: awkward, passed: false }],
      });

      expect((await stores.executions.recordEvaluation(A, execution)).created).toBe(true);
      expect(await stores.executions.recordEvaluation(A, execution)).toEqual({ created: false, execution });
      expect(await stores.executions.recordActionResult(A, execution.id, 0, { status: 'succeeded', completed_at: at(5) })).toBe(true);

      expect((await stores.executions.get(A, execution.id))?.conditions[0]?.actual).toEqual(awkward);
    });

    it('when an action result is recorded, then only that action changes and the execution stays valid', async () => {
      const execution = makeExecution(A, {}, 3);
      await stores.executions.recordEvaluation(A, execution);

      expect(await stores.executions.recordActionResult(A, execution.id, 1, { status: 'succeeded', completed_at: at(40) })).toBe(true);

      const stored = ExecutionSchema.parse(await stores.executions.get(A, execution.id));
      expect(stored.actions).toEqual([
        execution.actions[0],
        { ...execution.actions[1], status: 'succeeded', completed_at: at(40) },
        execution.actions[2],
      ]);
      expect(stored.updated_at).not.toBe(execution.updated_at);
      expect({ ...stored, actions: execution.actions, updated_at: execution.updated_at }).toEqual(execution);
    });

    it('when an action result carries its delivery count, then the action outcome records it', async () => {
      const execution = makeExecution(A, { deliveries: 2 }, 2);
      await stores.executions.recordEvaluation(A, execution);

      await stores.executions.recordActionResult(A, execution.id, 1, { status: 'succeeded', completed_at: at(3), deliveries: 3 });

      const stored = ExecutionSchema.parse(await stores.executions.get(A, execution.id));
      expect(stored.deliveries).toBe(2);
      expect(stored.actions[1]).toMatchObject({ status: 'succeeded', deliveries: 3 });
      expect(stored.actions[0]).not.toHaveProperty('deliveries');
    });

    it('when a failed action later succeeds, then its error is removed', async () => {
      const execution = makeExecution(A, {}, 1);
      await stores.executions.recordEvaluation(A, execution);

      await stores.executions.recordActionResult(A, execution.id, 0, { status: 'failed', error: 'SMTP refused', completed_at: at(1) });
      expect((await stores.executions.get(A, execution.id))?.actions[0]).toMatchObject({ status: 'failed', error: 'SMTP refused' });

      await stores.executions.recordActionResult(A, execution.id, 0, { status: 'succeeded', completed_at: at(2) });
      const action = (await stores.executions.get(A, execution.id))?.actions[0];
      expect(action).toMatchObject({ status: 'succeeded', completed_at: at(2) });
      expect(action).not.toHaveProperty('error');
    });

    it('when the execution or action index is unknown or the tenant is wrong, then recordActionResult returns false and changes nothing', async () => {
      const execution = makeExecution(A, {}, 2);
      await stores.executions.recordEvaluation(A, execution);
      const result = { status: 'succeeded', completed_at: at(9) } as const;

      expect(await stores.executions.recordActionResult(A, makeExecution(A).id, 0, result)).toBe(false);
      expect(await stores.executions.recordActionResult(A, execution.id, 2, result)).toBe(false);
      expect(await stores.executions.recordActionResult(A, execution.id, -1, result)).toBe(false);
      expect(await stores.executions.recordActionResult(B, execution.id, 0, result)).toBe(false);

      expect(await stores.executions.get(A, execution.id)).toEqual(execution);
    });

    it('when executions are listed, then they come newest first, filtered by rule_id and event_id, at most limit', async () => {
      const ruleId = makeRule(A).id;
      const eventId = makeExecution(A).event_id;
      const oldest = makeExecution(A, { rule_id: ruleId, created_at: at(1) });
      const middle = makeExecution(A, { rule_id: ruleId, event_id: eventId, created_at: at(2) });
      const newest = makeExecution(A, { event_id: eventId, created_at: at(3) });
      for (const execution of [middle, newest, oldest]) await stores.executions.recordEvaluation(A, execution);

      expect(ids(await stores.executions.list(A, { limit: 50 }))).toEqual([newest.id, middle.id, oldest.id]);
      expect(ids(await stores.executions.list(A, { limit: 2 }))).toEqual([newest.id, middle.id]);
      expect(ids(await stores.executions.list(A, { rule_id: ruleId, limit: 50 }))).toEqual([middle.id, oldest.id]);
      expect(ids(await stores.executions.list(A, { event_id: eventId, limit: 50 }))).toEqual([newest.id, middle.id]);
      expect(ids(await stores.executions.list(A, { rule_id: ruleId, event_id: eventId, limit: 50 }))).toEqual([middle.id]);
      expect(ids(await stores.executions.list(A, { rule_id: ruleId, limit: 1 }))).toEqual([middle.id]);
    });

    it('when the limit is not a positive integer, then list rejects instead of returning everything', async () => {
      await stores.executions.recordEvaluation(A, makeExecution(A));
      await expect(stores.executions.list(A, { limit: 0 })).rejects.toThrow(RangeError);
      await expect(stores.notifications.list(A, { limit: -1 })).rejects.toThrow(RangeError);
      await expect(stores.tasks.list(A, { limit: 1.5 })).rejects.toThrow(RangeError);
    });

    it("when tenant B asks for tenant A's executions, then it sees none of them", async () => {
      const execution = makeExecution(A);
      await stores.executions.recordEvaluation(A, execution);

      expect(await stores.executions.get(B, execution.id)).toBeNull();
      expect(await stores.executions.list(B, { limit: 50 })).toEqual([]);
      expect(await stores.executions.list(B, { rule_id: execution.rule_id, limit: 50 })).toEqual([]);
      expect(await stores.executions.list(B, { event_id: execution.event_id, limit: 50 })).toEqual([]);
    });

    it("when tenant B records an execution with the id of tenant A's, then each tenant keeps its own", async () => {
      const ofA = makeExecution(A);
      const ofB = makeExecution(B, { id: ofA.id });
      await stores.executions.recordEvaluation(A, ofA);

      expect(await stores.executions.recordEvaluation(B, ofB)).toEqual({ created: true, execution: ofB });
      expect(await stores.executions.get(A, ofA.id)).toEqual(ofA);
      expect(await stores.executions.get(B, ofA.id)).toEqual(ofB);
    });

    it("when an execution's tenant_id differs from the tenant argument, then recordEvaluation throws and stores nothing", async () => {
      const foreign = makeExecution(B);
      await expect(stores.executions.recordEvaluation(A, foreign)).rejects.toThrow(/tenant mismatch/);
      expect(await stores.executions.get(A, foreign.id)).toBeNull();
      expect(await stores.executions.get(B, foreign.id)).toBeNull();
    });
  });

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
  retentionContract(() => stores);
  actionStoreContract(() => stores);
}
