import { ExecutionSchema, parseTenantId, type ActionResultRecord, type EventRecord, type Execution, type TenantId } from '@flowline/contracts';
import { describe, expect, it } from 'vitest';
import { InvalidCursorError, type Stores } from '../src/index.ts';
import { at, makeEventRecord, makeExecution, makeNotification, makeRule, makeTask } from './documents.ts';

const A = parseTenantId('tenant-a');
const B = parseTenantId('tenant-b');

const ids = (docs: Array<{ id: string }>) => docs.map((doc) => doc.id);

/** What a read gives back for an execution stored with no action results yet. */
const pending = (execution: Execution): Execution => ({ ...execution, status: execution.actions.length === 0 ? 'succeeded' : 'pending' });

function resultOf(execution: Execution, index: number, result: Partial<ActionResultRecord> = {}): ActionResultRecord {
  const action = execution.actions[index]!;
  return { command_id: action.command_id, execution_id: execution.id, action_index: action.index, status: 'succeeded', completed_at: at(30), ...result };
}

/** The event log, executions and action results; part of {@link storeContract}, with the stores it opened. */
export function eventStoreContract(current: () => Stores): void {
  /** Records one event of `tenant` with the given executions (their event_id set to the event's). */
  async function recordEvent(tenant: TenantId, executions: Execution[] = [], overrides: Partial<EventRecord> = {}) {
    const record = makeEventRecord(tenant, { status: executions.length > 0 ? 'matched' : 'no_rules', ...overrides });
    const own = executions.map((execution) => ({ ...execution, event_id: record.id }));
    const [recorded] = await current().events.recordProcessed([{ tenant, record, executions: own }]);
    return { record, executions: own, recorded: recorded! };
  }

  describe('event log', () => {
    it('when an event is recorded for the first time, then it is created with its executions and get returns both', async () => {
      const stores = current();
      const { record, executions, recorded } = await recordEvent(A, [makeExecution(A), makeExecution(A, { created_at: at(1) })]);

      expect(recorded).toEqual({ created: true, record, executions });
      expect(await stores.events.get(A, record.id)).toEqual(record);
      expect(await stores.executions.forEvent(A, record.id)).toEqual([pending(executions[1]!), pending(executions[0]!)]);
    });

    it('when the same event is recorded again, then the stored record and all its executions come back with their results, and nothing is rewritten', async () => {
      const stores = current();
      const first = await recordEvent(A, Array.from({ length: 3 }, (_, i) => makeExecution(A, { created_at: at(i) }, 1)));
      await stores.executions.recordActionResult(A, resultOf(first.executions[0]!, 0));

      const again = { ...first.record, rules: [], status: 'not_matched' as const };
      const [recorded] = await stores.events.recordProcessed([{ tenant: A, record: again, executions: [makeExecution(A, { event_id: first.record.id })] }]);

      expect(recorded!.created).toBe(false);
      expect(recorded!.record).toEqual(first.record);
      expect(ids(recorded!.executions).sort()).toEqual(ids(first.executions).sort());
      expect(recorded!.executions.find((e) => e.id === first.executions[0]!.id)?.actions[0]?.status).toBe('succeeded');
      expect(await stores.executions.forEvent(A, first.record.id)).toHaveLength(3);
    });

    it('when a batch holds new events, a redelivered one and several tenants, then each gets its own answer in order', async () => {
      const stores = current();
      const earlier = await recordEvent(A, [makeExecution(A)]);
      const freshA = makeEventRecord(A, { status: 'not_matched' });
      const freshB = makeEventRecord(B, { status: 'matched' });
      const ofB = makeExecution(B, { event_id: freshB.id });

      const recorded = await stores.events.recordProcessed([
        { tenant: A, record: freshA, executions: [] },
        { tenant: A, record: earlier.record, executions: earlier.executions },
        { tenant: B, record: freshB, executions: [ofB] },
      ]);

      expect(recorded.map((r) => [r.created, r.record.id])).toEqual([
        [true, freshA.id],
        [false, earlier.record.id],
        [true, freshB.id],
      ]);
      expect(await stores.events.get(B, freshB.id)).toEqual(freshB);
      expect(await stores.executions.get(B, ofB.id)).toEqual(pending(ofB));
      expect(await stores.events.get(A, freshB.id)).toBeNull();
    });

    it('when event data and condition values have keys with $ and dots, then they are stored and read back intact', async () => {
      const stores = current();
      const awkward = { $where: 'sleep(1000)', 'address.city': 'Berlin', nested: { $gt: 1 } };
      const execution = makeExecution(A, { conditions: [{ index: 0, type: 'equals', field: 'contact', expected: 'x', actual: awkward, passed: true }] });
      const { record } = await recordEvent(A, [execution], { data: awkward });
      await stores.executions.recordActionResult(A, resultOf(execution, 0));

      expect((await stores.events.get(A, record.id))?.data).toEqual(awkward);
      expect((await stores.executions.get(A, execution.id))?.conditions[0]?.actual).toEqual(awkward);
    });

    it('when events are listed, then they come newest first by received time, filtered by type, status and time, paged by cursor', async () => {
      const stores = current();
      const records: EventRecord[] = [];
      for (let i = 0; i < 5; i++) {
        const status = i % 2 === 0 ? 'matched' : 'no_rules';
        records.push((await recordEvent(A, [], { received_at: at(i), status, type: i === 4 ? 'opportunity_won' : 'opportunity_created' })).record);
      }
      const [r0, r1, r2, r3, r4] = records as [EventRecord, EventRecord, EventRecord, EventRecord, EventRecord];

      const first = await stores.events.list(A, { limit: 2 });
      expect(ids(first.items)).toEqual([r4.id, r3.id]);
      const second = await stores.events.list(A, { limit: 2, cursor: first.next_cursor });
      expect(ids(second.items)).toEqual([r2.id, r1.id]);
      const last = await stores.events.list(A, { limit: 2, cursor: second.next_cursor });
      expect(ids(last.items)).toEqual([r0.id]);
      expect(last.next_cursor).toBeUndefined();

      expect(ids((await stores.events.list(A, { limit: 50, status: 'matched' })).items)).toEqual([r4.id, r2.id, r0.id]);
      expect(ids((await stores.events.list(A, { limit: 50, type: 'opportunity_won' })).items)).toEqual([r4.id]);
      expect(ids((await stores.events.list(A, { limit: 50, from: at(1), to: at(3) })).items)).toEqual([r2.id, r1.id]);
      expect((await stores.events.list(B, { limit: 50 })).items).toEqual([]);
      await expect(stores.events.list(A, { limit: 2, cursor: 'bm90LWEtY3Vyc29y' })).rejects.toThrow(InvalidCursorError);
    });

    it('when events are listed with deferred, then only those flow control deferred (or only the others) come back, with how long they waited', async () => {
      const stores = current();
      const plain = await recordEvent(A, [], { received_at: at(1) });
      const deferred = await recordEvent(A, [], { received_at: at(2), admission: { deferred: true, waited_ms: 1500 } });
      const ofB = await recordEvent(B, [], { received_at: at(3), admission: { deferred: true, waited_ms: 10 } });

      expect((await stores.events.list(A, { limit: 50, deferred: true })).items).toEqual([deferred.record]);
      expect((await stores.events.list(A, { limit: 50, deferred: false })).items.map((record) => record.id)).toEqual([plain.record.id]);
      expect((await stores.events.list(B, { limit: 50, deferred: true })).items.map((record) => record.id)).toEqual([ofB.record.id]);
    });

    it("when an event's or execution's tenant_id differs from its tenant, then recordProcessed throws and stores nothing", async () => {
      const stores = current();
      const record = makeEventRecord(A);
      await expect(stores.events.recordProcessed([{ tenant: A, record, executions: [makeExecution(B, { event_id: record.id })] }])).rejects.toThrow(/tenant mismatch/);
      await expect(stores.events.recordProcessed([{ tenant: B, record, executions: [] }])).rejects.toThrow(/tenant mismatch/);
      expect(await stores.events.get(A, record.id)).toBeNull();
      expect(await stores.executions.forEvent(A, record.id)).toEqual([]);
    });
  });

  describe('executions and action results', () => {
    it('when an action result is recorded, then only that action changes, the execution stays valid and its status follows its actions', async () => {
      const stores = current();
      const { executions } = await recordEvent(A, [makeExecution(A, {}, 3)]);
      const execution = executions[0]!;

      await stores.executions.recordActionResult(A, resultOf(execution, 1, { completed_at: at(40), deliveries: 2 }));

      const stored = ExecutionSchema.parse(await stores.executions.get(A, execution.id));
      expect(stored.actions).toEqual([execution.actions[0], { ...execution.actions[1], status: 'succeeded', completed_at: at(40), deliveries: 2 }, execution.actions[2]]);
      expect(stored.status).toBe('pending');
      expect(stored.updated_at).toBe(at(40));

      await stores.executions.recordActionResult(A, resultOf(execution, 0));
      await stores.executions.recordActionResult(A, resultOf(execution, 2, { status: 'dead_lettered', error: 'SMTP down', deliveries: 5 }));
      const settled = await stores.executions.get(A, execution.id);
      expect(settled?.status).toBe('partially_failed');
      expect(settled?.actions[2]).toMatchObject({ status: 'dead_lettered', error: 'SMTP down', deliveries: 5 });
    });

    it('when flow control deferred an action command, then its outcome says so with the wait, and a later result without it clears it', async () => {
      const stores = current();
      const { executions } = await recordEvent(A, [makeExecution(A, {}, 1)]);
      const execution = executions[0]!;

      await stores.executions.recordActionResult(A, resultOf(execution, 0, { completed_at: at(3), admission: { deferred: true, waited_ms: 2500 } }));
      const deferred = ExecutionSchema.parse(await stores.executions.get(A, execution.id));
      await stores.executions.recordActionResult(A, resultOf(execution, 0, { completed_at: at(4) }));
      const again = await stores.executions.get(A, execution.id);

      expect(deferred.actions[0]?.admission).toEqual({ deferred: true, waited_ms: 2500 });
      expect(again?.actions[0]).not.toHaveProperty('admission');
    });

    it('when a failed action later succeeds, then its error is removed and the execution succeeded', async () => {
      const stores = current();
      const { executions } = await recordEvent(A, [makeExecution(A, {}, 1)]);
      const execution = executions[0]!;

      await stores.executions.recordActionResult(A, resultOf(execution, 0, { status: 'failed', error: 'SMTP refused', completed_at: at(1) }));
      expect(await stores.executions.get(A, execution.id)).toMatchObject({ status: 'failed', actions: [{ status: 'failed', error: 'SMTP refused' }] });

      await stores.executions.recordActionResult(A, resultOf(execution, 0, { completed_at: at(2) }));
      const stored = await stores.executions.get(A, execution.id);
      expect(stored?.status).toBe('succeeded');
      expect(stored?.actions[0]).not.toHaveProperty('error');
    });

    it('when a notification and a task are inserted with their actions\' results, then both effects are stored and the execution shows both results, also after a redelivery', async () => {
      const stores = current();
      const { executions } = await recordEvent(A, [makeExecution(A, {}, 2)]);
      const execution = executions[0]!;
      const notification = makeNotification(A, { id: execution.actions[0]!.command_id, execution_id: execution.id });
      const task = makeTask(A, { id: execution.actions[1]!.command_id, execution_id: execution.id });

      expect(await stores.notifications.insertIfAbsent(A, notification, resultOf(execution, 0, { completed_at: at(41) }))).toBe(true);
      expect(await stores.tasks.insertIfAbsent(A, task, resultOf(execution, 1, { completed_at: at(42) }))).toBe(true);
      const stored = await stores.executions.get(A, execution.id);
      // The redelivered command finds its effect and records its result again, as a second delivery.
      expect(await stores.notifications.insertIfAbsent(A, notification, resultOf(execution, 0, { completed_at: at(43), deliveries: 2 }))).toBe(false);

      expect(await stores.notifications.get(A, notification.id)).toEqual(notification);
      expect((await stores.tasks.list(A, { limit: 10 })).items).toEqual([task]);
      expect(stored).toMatchObject({ status: 'succeeded', actions: [{ status: 'succeeded', completed_at: at(41) }, { status: 'succeeded', completed_at: at(42) }] });
      expect((await stores.executions.get(A, execution.id))?.actions[0]).toMatchObject({ completed_at: at(43), deliveries: 2 });
    });

    it('when results of several tenants are recorded in one batch, then each lands on its own execution', async () => {
      const stores = current();
      const ofA = (await recordEvent(A, [makeExecution(A, {}, 2)])).executions[0]!;
      const ofB = (await recordEvent(B, [makeExecution(B, {}, 1)])).executions[0]!;

      await stores.executions.recordActionResults([
        { tenant: A, result: resultOf(ofA, 0) },
        { tenant: B, result: resultOf(ofB, 0, { status: 'failed', error: 'refused' }) },
        { tenant: A, result: resultOf(ofA, 1) },
      ]);

      expect((await stores.executions.get(A, ofA.id))?.status).toBe('succeeded');
      expect(await stores.executions.get(B, ofB.id)).toMatchObject({ status: 'failed', actions: [{ status: 'failed', error: 'refused' }] });
    });

    it("when tenant B records a result for tenant A's command, then A's execution does not change", async () => {
      const stores = current();
      const { executions } = await recordEvent(A, [makeExecution(A, {}, 1)]);
      await stores.executions.recordActionResult(B, resultOf(executions[0]!, 0));
      expect(await stores.executions.get(A, executions[0]!.id)).toEqual(pending(executions[0]!));
      expect(await stores.executions.get(B, executions[0]!.id)).toBeNull();
    });

    it('when executions are listed, then they come newest first, filtered by rule, event, trigger, outcome, status and time, paged by cursor', async () => {
      const stores = current();
      const ruleId = makeRule(A).id;
      const oldest = makeExecution(A, { rule_id: ruleId, created_at: at(1) }, 1);
      const middle = makeExecution(A, { rule_id: ruleId, created_at: at(2), trigger_id: 'opportunity_won' }, 1);
      const guarded = makeExecution(A, { created_at: at(3), outcome: 'loop_guard', matched: false, actions: [] });
      const newest = makeExecution(A, { created_at: at(4) }, 1);
      const { record } = await recordEvent(A, [middle, newest]);
      await recordEvent(A, [oldest, guarded]);
      const [middleStored, newestStored] = [{ ...middle, event_id: record.id }, { ...newest, event_id: record.id }];
      await stores.executions.recordActionResult(A, resultOf(middleStored, 0));

      const list = async (filter: Parameters<Stores['executions']['list']>[1]) => ids((await stores.executions.list(A, filter)).items);
      expect(await list({ limit: 50 })).toEqual([newest.id, guarded.id, middle.id, oldest.id]);
      expect(await list({ limit: 50, rule_id: ruleId })).toEqual([middle.id, oldest.id]);
      expect(await list({ limit: 50, event_id: record.id })).toEqual([newest.id, middle.id]);
      expect(await list({ limit: 50, trigger_id: 'opportunity_won' })).toEqual([middle.id]);
      expect(await list({ limit: 50, outcome: 'loop_guard' })).toEqual([guarded.id]);
      expect(await list({ limit: 50, status: 'pending' })).toEqual([newest.id, oldest.id]);
      expect(await list({ limit: 1, status: 'succeeded' })).toEqual([guarded.id]);
      expect(await list({ limit: 50, from: at(2), to: at(4) })).toEqual([guarded.id, middle.id]);

      const first = await stores.executions.list(A, { limit: 3 });
      expect(first.next_cursor).toBeDefined();
      const rest = await stores.executions.list(A, { limit: 3, cursor: first.next_cursor });
      expect(ids(rest.items)).toEqual([oldest.id]);
      expect(rest.next_cursor).toBeUndefined();
      expect((await stores.executions.get(A, newestStored.id))?.status).toBe('pending');
    });

    it('when the limit is not a positive integer, then list rejects instead of returning everything', async () => {
      const stores = current();
      await expect(stores.executions.list(A, { limit: 0 })).rejects.toThrow(RangeError);
      await expect(stores.events.list(A, { limit: 1.5 })).rejects.toThrow(RangeError);
      await expect(stores.notifications.list(A, { limit: -1 })).rejects.toThrow(RangeError);
    });

    it("when tenant B asks for tenant A's executions, or records one with the same id, then each tenant sees only its own", async () => {
      const stores = current();
      const { executions } = await recordEvent(A, [makeExecution(A)]);
      const ofA = executions[0]!;

      expect(await stores.executions.get(B, ofA.id)).toBeNull();
      expect((await stores.executions.list(B, { limit: 50 })).items).toEqual([]);
      expect(await stores.executions.forEvent(B, ofA.event_id)).toEqual([]);

      const record = makeEventRecord(B, { id: ofA.event_id, status: 'matched' });
      const ofB = makeExecution(B, { id: ofA.id, event_id: ofA.event_id });
      const [recorded] = await stores.events.recordProcessed([{ tenant: B, record, executions: [ofB] }]);
      expect(recorded!.created).toBe(true);
      expect(await stores.executions.get(A, ofA.id)).toEqual(pending(ofA));
      expect(await stores.executions.get(B, ofA.id)).toEqual(pending(ofB));
    });
  });
}
