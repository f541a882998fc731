import { MongoBulkWriteError, type Collection, type Document, type Filter, type UpdateFilter } from 'mongodb';
import type { ActionResult, Execution, ExecutionFilter, TenantId } from '@flowline/contracts';
import { checkedLimit } from '../list-limit.ts';
import type { ExecutionStore } from '../ports.ts';
import { assertSameTenant } from '../tenant-guard.ts';
import { NEWEST_FIRST, WITHOUT_ID } from './mongo-collections.ts';
import { isDuplicateKeyError } from './mongo-errors.ts';
import { createdBefore, mongoPruner, STORED_AT } from './mongo-retention.ts';

/** Executions in the `automation_executions` collection; filter values are coerced as in MongoRuleStore. */
export class MongoExecutionStore implements ExecutionStore {
  readonly #executions: Collection<Document>;

  /** Deletes the oldest executions created before a cut-off (`flowline prune`; a TTL index does it periodically). */
  readonly pruneBefore: (before: Date, limit: number) => Promise<number>;

  constructor(executions: Collection<Document>) {
    this.#executions = executions;
    this.pruneBefore = mongoPruner(executions, 'created_at', createdBefore);
  }

  async recordEvaluation(tenant: TenantId, execution: Execution): Promise<{ created: boolean; execution: Execution }> {
    assertSameTenant(tenant, execution);
    const key = byId(tenant, execution.id);
    try {
      // Insert-or-keep: the unique {tenant_id, id} index refuses a redelivered evaluation, so
      // the stored one, and the action results recorded on it, stay untouched. An insert
      // rather than an upsert with $setOnInsert, because MongoDB checks field names of
      // inserts more leniently than of updates, and conditions carry event data verbatim.
      // A copy, because insertOne adds an _id to the object it is given.
      await this.#executions.insertOne({ ...execution, [STORED_AT]: new Date() });
      return { created: true, execution: structuredClone(execution) };
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
    }
    const stored = await this.#executions.findOne<Execution>(key, WITHOUT_ID);
    if (stored === null) throw new Error(`storage: execution ${String(execution.id)} was neither inserted nor found`);
    return { created: false, execution: stored };
  }

  async recordEvaluations(tenant: TenantId, executions: readonly Execution[]): Promise<{ created: boolean; execution: Execution }[]> {
    // Every tenant checked before anything is written, as in SQLite.
    for (const execution of executions) assertSameTenant(tenant, execution);
    if (executions.length === 0) return [];
    // One round trip for the event's rules. Unordered, so a duplicate (a redelivered event)
    // does not stop the others; a transaction would not help, since a duplicate-key error
    // aborts it whole.
    const duplicates = new Set<number>();
    try {
      await this.#executions.insertMany(
        executions.map((execution) => ({ ...execution })),
        { ordered: false },
      );
    } catch (error) {
      if (!(error instanceof MongoBulkWriteError)) throw error;
      const writeErrors = [error.writeErrors].flat();
      if (writeErrors.length === 0 || writeErrors.some((w) => w.code !== 11000)) throw error;
      for (const w of writeErrors) duplicates.add(w.index);
    }
    const ids = [...duplicates].map((index) => String(executions[index]!.id));
    const stored = ids.length === 0 ? [] : await this.#executions.find<Execution>({ tenant_id: String(tenant), id: { $in: ids } }, WITHOUT_ID).toArray();
    const byId = new Map(stored.map((execution) => [execution.id, execution]));
    return executions.map((execution, index) => {
      if (!duplicates.has(index)) return { created: true, execution: structuredClone(execution) };
      const first = byId.get(String(execution.id));
      if (first === undefined) throw new Error(`storage: execution ${String(execution.id)} was neither inserted nor found`);
      return { created: false, execution: first };
    });
  }

  async recordActionResult(tenant: TenantId, executionId: string, actionIndex: number, result: ActionResult): Promise<boolean> {
    if (!Number.isInteger(actionIndex) || actionIndex < 0) return false;
    // One atomic update of the matched array element (`$`), so results of other actions
    // recorded concurrently are never overwritten.
    const update: UpdateFilter<Document> = {
      $set: {
        'actions.$.status': String(result.status),
        'actions.$.completed_at': String(result.completed_at),
        updated_at: new Date().toISOString(),
      },
    };
    if (result.deliveries !== undefined) update.$set = { ...update.$set, 'actions.$.deliveries': Number(result.deliveries) };
    if (result.response !== undefined) update.$set = { ...update.$set, 'actions.$.response': { ...result.response } };
    if (result.error === undefined) update.$unset = { 'actions.$.error': '' };
    else update.$set = { ...update.$set, 'actions.$.error': String(result.error) };
    const outcome = await this.#executions.updateOne({ ...byId(tenant, executionId), 'actions.index': actionIndex }, update);
    return outcome.matchedCount > 0;
  }

  async get(tenant: TenantId, executionId: string): Promise<Execution | null> {
    return this.#executions.findOne<Execution>(byId(tenant, executionId), WITHOUT_ID);
  }

  async list(tenant: TenantId, filter: ExecutionFilter): Promise<Execution[]> {
    const query: Filter<Document> = { tenant_id: String(tenant) };
    if (filter.rule_id !== undefined) query['rule_id'] = String(filter.rule_id);
    if (filter.event_id !== undefined) query['event_id'] = String(filter.event_id);
    return this.#executions.find<Execution>(query, WITHOUT_ID).sort(NEWEST_FIRST).limit(checkedLimit(filter.limit)).toArray();
  }
}

function byId(tenant: TenantId, id: string): Filter<Document> {
  return { tenant_id: String(tenant), id: String(id) };
}
