import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { ActionResultRecord, Execution, ExecutionFilter, Page, TenantId } from '@flowline/contracts';
import { mergeActionResults } from '../action-results.ts';
import type { CursorPosition } from '../entity-cursor.ts';
import { readPage } from '../list-page.ts';
import type { ExecutionStore, ResultWithEffect } from '../ports.ts';
import { AFTER_POSITION, afterValues, filterClauses, FilteredStatements } from './sqlite-filters.ts';
import { sqlitePruner } from './sqlite-prune.ts';
import { docOf, docsOf, sortableTime } from './sqlite-row.ts';
import { asOneWrite, groupedWrite, withBusyRetry } from './sqlite-transaction.ts';

/** What the notification and task stores need to write an action's result with its effect. */
export interface ResultWriter {
  withEffect<T>(insertEffect: () => T, tenant: TenantId, result: ResultWithEffect): T;
}

/**
 * Executions in the `executions` table, one row per matched (or loop-guarded) rule and event,
 * written once; action outcomes in `action_results`, one row per command, merged on read.
 */
export class SqliteExecutionStore implements ExecutionStore {
  readonly #db: DatabaseSync;
  readonly #insertIfAbsent: StatementSync;
  readonly #get: StatementSync;
  readonly #forEvent: StatementSync;
  readonly #putResult: StatementSync;
  readonly #resultsOf: StatementSync;
  readonly #list: FilteredStatements;

  /** Deletes the oldest executions written before a cut-off (retention). */
  readonly pruneBefore: (before: Date, limit: number) => Promise<number>;

  constructor(db: DatabaseSync) {
    this.#db = db;
    // Under the executions' retention go the event records received before the cut-off and the action
    // results whose execution is gone; the count reported is the executions'.
    const executions = sqlitePruner(db, 'executions', 'created_at');
    const events = sqlitePruner(db, 'events', 'received_at');
    const orphans = db.prepare(
      'DELETE FROM action_results WHERE rowid IN (SELECT r.rowid FROM action_results r LEFT JOIN executions e ON e.tenant_id = r.tenant_id AND e.id = r.execution_id WHERE e.id IS NULL LIMIT ?)',
    );
    this.pruneBefore = async (before, limit) => {
      const count = await executions(before, limit);
      await events(before, limit);
      await withBusyRetry(db, () => orphans.run(limit));
      return count;
    };
    this.#insertIfAbsent = db.prepare(
      'INSERT INTO executions (tenant_id, id, rule_id, event_id, trigger_id, outcome, created_at, doc) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (tenant_id, id) DO NOTHING',
    );
    this.#get = db.prepare('SELECT doc FROM executions WHERE tenant_id = ? AND id = ?');
    this.#forEvent = db.prepare('SELECT doc FROM executions WHERE tenant_id = ? AND event_id = ? ORDER BY created_at DESC, id DESC');
    this.#putResult = db.prepare(
      'INSERT INTO action_results (tenant_id, command_id, execution_id, doc) VALUES (?, ?, ?, ?) ON CONFLICT (tenant_id, command_id) DO UPDATE SET execution_id = excluded.execution_id, doc = excluded.doc',
    );
    this.#list = new FilteredStatements(db, (where) => `SELECT doc FROM executions WHERE ${where} ORDER BY created_at DESC, id DESC LIMIT ?`);
    this.#resultsOf = db.prepare("SELECT doc FROM action_results WHERE tenant_id = ? AND execution_id IN (SELECT value FROM json_each(?))");
  }

  /** Inside the caller's transaction; a row stored before is kept as it is. */
  insertIfAbsent(tenant: TenantId, execution: Execution): boolean {
    const { changes } = this.#insertIfAbsent.run(
      tenant,
      String(execution.id),
      String(execution.rule_id),
      String(execution.event_id),
      String(execution.trigger_id),
      String(execution.outcome),
      sortableTime(execution.created_at),
      JSON.stringify(execution),
    );
    return Number(changes) > 0;
  }

  /** Synchronous, so that the event store can read within its transaction. */
  forEventNow(tenant: TenantId, eventId: string): Execution[] {
    return this.#merged(tenant, docsOf<Execution>(this.#forEvent.all(tenant, String(eventId))));
  }

  /**
   * Inside the caller's (grouped) write: runs the effect's insert and, given a result, writes it too, the two as one
   * unit (ResultWithEffect).
   */
  withEffect<T>(insertEffect: () => T, tenant: TenantId, result: ResultWithEffect): T {
    if (result === undefined) return insertEffect();
    return asOneWrite(this.#db, () => {
      const inserted = insertEffect();
      this.#putResult.run(...resultRow(tenant, result));
      return inserted;
    });
  }

  async recordActionResult(tenant: TenantId, result: ActionResultRecord): Promise<void> {
    await this.recordActionResults([{ tenant, result }]);
  }

  /**
   * Insert-or-replace by command id, never a read first. Grouped with the other one-statement writes asked
   * for in the same turn (an executor at full speed asks for the next batch's effects then), so results and
   * effects share commits: the executor's writes cost one commit per batch, not two.
   */
  async recordActionResults(batch: ReadonlyArray<{ tenant: TenantId; result: ActionResultRecord }>): Promise<void> {
    const rows = batch.map(({ tenant, result }) => resultRow(tenant, result));
    await Promise.all(rows.map((row) => groupedWrite(this.#db, () => this.#putResult.run(...row))));
  }

  async get(tenant: TenantId, executionId: string): Promise<Execution | null> {
    const execution = docOf<Execution>(this.#get.get(tenant, String(executionId)));
    return execution === null ? null : this.#merged(tenant, [execution])[0]!;
  }

  async forEvent(tenant: TenantId, eventId: string): Promise<Execution[]> {
    return this.forEventNow(tenant, eventId);
  }

  async list(tenant: TenantId, filter: ExecutionFilter): Promise<Page<Execution>> {
    const { clauses, values } = filterClauses([
      ['rule_id = ?', filter.rule_id],
      ['event_id = ?', filter.event_id],
      ['trigger_id = ?', filter.trigger_id],
      ['outcome = ?', filter.outcome],
      ['created_at >= ?', filter.from === undefined ? undefined : sortableTime(filter.from)],
      ['created_at < ?', filter.to === undefined ? undefined : sortableTime(filter.to)],
    ]);
    const { status } = filter;
    return readPage<Execution>({
      limit: filter.limit,
      cursor: filter.cursor,
      positionOf: positionOfExecution,
      keep: status === undefined ? undefined : (execution) => execution.status === status,
      fetch: async (after, count) => {
        const statement = this.#list.get(after === undefined ? clauses : [...clauses, AFTER_POSITION]);
        return this.#merged(tenant, docsOf<Execution>(statement.all(tenant, ...values, ...afterValues(after), count)));
      },
    });
  }

  #merged(tenant: TenantId, executions: Execution[]): Execution[] {
    if (executions.length === 0) return executions;
    const results = docsOf<ActionResultRecord>(this.#resultsOf.all(tenant, JSON.stringify(executions.map((e) => e.id))));
    return mergeActionResults(executions, results);
  }
}

function assertTenant(tenant: TenantId): TenantId {
  if (typeof tenant !== 'string' || tenant.length === 0) throw new Error('tenant mismatch: no tenant given');
  return tenant;
}

export function positionOfExecution(execution: Execution): CursorPosition {
  return { created_at: execution.created_at, id: execution.id };
}

function resultRow(tenant: TenantId, result: ActionResultRecord) {
  return [assertTenant(tenant), String(result.command_id), String(result.execution_id), JSON.stringify(result)] as const;
}
