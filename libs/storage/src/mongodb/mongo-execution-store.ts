import type { Collection, Document, Filter } from 'mongodb';
import type { ActionResultRecord, Execution, ExecutionFilter, Page, TenantId } from '@flowline/contracts';
import { mergeActionResults } from '../action-results.ts';
import type { CursorPosition } from '../entity-cursor.ts';
import { readPage } from '../list-page.ts';
import type { ExecutionStore } from '../ports.ts';
import { NEWEST_FIRST, WITHOUT_ID } from './mongo-collections.ts';
import { afterPosition } from './mongo-tenant-pages.ts';
import { createdBefore, mongoPruner, STORED_AT } from './mongo-retention.ts';

/**
 * Executions in `automation_executions`, written once by the engine (see MongoEventStore);
 * action outcomes in `automation_action_results`, one document per command, merged on read.
 */
export class MongoExecutionStore implements ExecutionStore {
  readonly #executions: Collection<Document>;
  readonly #results: Collection<Document>;

  /** Deletes the oldest executions created before a cut-off (`flowline prune`; a TTL index does it periodically). */
  readonly pruneBefore: (before: Date, limit: number) => Promise<number>;

  constructor(executions: Collection<Document>, results: Collection<Document>) {
    this.#executions = executions;
    this.#results = results;
    this.pruneBefore = mongoPruner(executions, 'created_at', createdBefore);
  }

  async recordActionResult(tenant: TenantId, result: ActionResultRecord): Promise<void> {
    await this.recordActionResults([{ tenant, result }]);
  }

  /** One unordered bulk write of replace-or-insert by command id. */
  async recordActionResults(batch: ReadonlyArray<{ tenant: TenantId; result: ActionResultRecord }>): Promise<void> {
    if (batch.length === 0) return;
    await this.#results.bulkWrite(
      batch.map(({ tenant, result }) => {
        const key = { tenant_id: String(tenant), command_id: String(result.command_id) };
        return { replaceOne: { filter: key, replacement: { ...result, ...key, [STORED_AT]: new Date() }, upsert: true } };
      }),
      { ordered: false },
    );
  }

  async get(tenant: TenantId, executionId: string): Promise<Execution | null> {
    const execution = await this.#executions.findOne<Execution>({ tenant_id: String(tenant), id: String(executionId) }, WITHOUT_ID);
    return execution === null ? null : (await this.merged(tenant, [execution]))[0]!;
  }

  async forEvent(tenant: TenantId, eventId: string): Promise<Execution[]> {
    const executions = await this.#executions.find<Execution>({ tenant_id: String(tenant), event_id: String(eventId) }, WITHOUT_ID).sort(NEWEST_FIRST).toArray();
    return this.merged(tenant, executions);
  }

  async list(tenant: TenantId, filter: ExecutionFilter): Promise<Page<Execution>> {
    const query: Filter<Document> = { tenant_id: String(tenant) };
    for (const field of ['rule_id', 'event_id', 'trigger_id', 'outcome'] as const) {
      if (filter[field] !== undefined) query[field] = String(filter[field]);
    }
    Object.assign(query, timeRange('created_at', filter));
    const { status } = filter;
    return readPage<Execution>({
      limit: filter.limit,
      cursor: filter.cursor,
      positionOf: (execution): CursorPosition => ({ created_at: execution.created_at, id: execution.id }),
      keep: status === undefined ? undefined : (execution) => execution.status === status,
      fetch: async (after, count) => {
        const page = after === undefined ? query : { $and: [query, afterPosition(after)] };
        return this.merged(tenant, await this.#executions.find<Execution>(page, WITHOUT_ID).sort(NEWEST_FIRST).limit(count).toArray());
      },
    });
  }

  /** The executions with their recorded action results laid over them. */
  async merged(tenant: TenantId, executions: Execution[]): Promise<Execution[]> {
    if (executions.length === 0) return executions;
    const ids = executions.map((execution) => String(execution.id));
    const results = await this.#results.find<ActionResultRecord>({ tenant_id: String(tenant), execution_id: { $in: ids } }, { projection: { _id: 0, tenant_id: 0, [STORED_AT]: 0 } }).toArray();
    return mergeActionResults(executions, results);
  }
}

/**
 * `>= from` written as `> from - 1 ms`, the same for the millisecond ISO times Flowline stores:
 * the SecantusDB test server drops the bound itself from a `$gte` range over a descending index.
 */
export function justBefore(iso: string): string {
  return new Date(Date.parse(iso) - 1).toISOString();
}

/** `{ [field]: { from ≤ value < to } }` for the bounds given, or nothing. */
export function timeRange(field: string, { from, to }: { from?: string | undefined; to?: string | undefined }): Filter<Document> {
  const range: Record<string, string> = {};
  if (from !== undefined) range['$gt'] = justBefore(from);
  if (to !== undefined) range['$lt'] = new Date(to).toISOString();
  return Object.keys(range).length > 0 ? { [field]: range } : {};
}
