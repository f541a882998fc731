import type { DatabaseSync, SQLInputValue, StatementSync } from 'node:sqlite';
import type { ActionResult, Execution, ExecutionFilter, TenantId } from '@flowline/contracts';
import { checkedLimit } from '../list-limit.ts';
import type { ExecutionStore } from '../ports.ts';
import { assertSameTenant } from '../tenant-guard.ts';
import { docOf, docsOf, sortableTime } from './sqlite-row.ts';
import { sqlitePruner } from './sqlite-prune.ts';
import { runImmediate, withBusyRetry } from './sqlite-transaction.ts';

/** Executions in the `executions` table, one row per (event, rule) evaluation. */
export class SqliteExecutionStore implements ExecutionStore {
  readonly #db: DatabaseSync;
  readonly #insertIfAbsent: StatementSync;
  readonly #get: StatementSync;
  readonly #update: StatementSync;
  /** One statement per combination of filters given, prepared on first use. */
  readonly #listByFilters = new Map<string, StatementSync>();

  /** Deletes the oldest executions written before a cut-off (retention). */
  readonly pruneBefore: (before: Date, limit: number) => Promise<number>;

  constructor(db: DatabaseSync) {
    this.#db = db;
    this.pruneBefore = sqlitePruner(db, 'executions', 'created_at');
    this.#insertIfAbsent = db.prepare(
      'INSERT INTO executions (tenant_id, id, rule_id, event_id, created_at, doc) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (tenant_id, id) DO NOTHING',
    );
    this.#get = db.prepare('SELECT doc FROM executions WHERE tenant_id = ? AND id = ?');
    this.#update = db.prepare('UPDATE executions SET doc = ? WHERE tenant_id = ? AND id = ?');
  }

  async recordEvaluation(tenant: TenantId, execution: Execution): Promise<{ created: boolean; execution: Execution }> {
    const [recorded] = await this.recordEvaluations(tenant, [execution]);
    return recorded!;
  }

  /** In one write transaction: one lock and one commit per event, however many rules it has. */
  async recordEvaluations(tenant: TenantId, executions: readonly Execution[]): Promise<{ created: boolean; execution: Execution }[]> {
    for (const execution of executions) assertSameTenant(tenant, execution);
    const docs = executions.map((execution) => JSON.stringify(execution));
    const record = () => executions.map((execution, index) => this.#recordOne(tenant, execution, docs[index]!));
    return withBusyRetry(this.#db, () => (executions.length > 1 ? runImmediate(this.#db, record) : record()));
  }

  /**
   * One statement, so it is atomic on its own: of two processes recording the same evaluation
   * exactly one inserts, and executions are never deleted, so the row read back afterwards is
   * the first one stored.
   */
  #recordOne(tenant: TenantId, execution: Execution, doc: string): { created: boolean; execution: Execution } {
    const id = String(execution.id);
    const { changes } = this.#insertIfAbsent.run(tenant, id, String(execution.rule_id), String(execution.event_id), sortableTime(execution.created_at), doc);
    // The caller's own document: it is what was stored, and parsing 20 of them back per event
    // (one per rule) was a measurable part of the engine's time.
    if (Number(changes) > 0) return { created: true, execution };
    const stored = docOf<Execution>(this.#get.get(tenant, id));
    if (stored === null) throw new Error(`storage: execution ${id} was neither inserted nor found`);
    return { created: false, execution: stored };
  }

  async recordActionResult(tenant: TenantId, executionId: string, actionIndex: number, result: ActionResult): Promise<boolean> {
    const id = String(executionId);
    if (!Number.isInteger(actionIndex) || actionIndex < 0) return false;
    // Read, change and write back under one write lock: executors in other processes record
    // results of other actions of the same execution at the same time.
    return withBusyRetry(this.#db, () =>
      runImmediate(this.#db, () => {
        const execution = docOf<Execution>(this.#get.get(tenant, id));
        const action = execution?.actions.find((candidate) => candidate.index === actionIndex);
        if (execution === null || action === undefined) return false;
        action.status = result.status;
        if (result.error === undefined) delete action.error;
        else action.error = result.error;
        action.completed_at = result.completed_at;
        if (result.deliveries !== undefined) action.deliveries = result.deliveries;
        if (result.response !== undefined) action.response = result.response;
        execution.updated_at = new Date().toISOString();
        this.#update.run(JSON.stringify(execution), tenant, id);
        return true;
      }),
    );
  }

  async get(tenant: TenantId, executionId: string): Promise<Execution | null> {
    return docOf<Execution>(this.#get.get(tenant, String(executionId)));
  }

  async list(tenant: TenantId, filter: ExecutionFilter): Promise<Execution[]> {
    const clauses: string[] = [];
    const values: SQLInputValue[] = [tenant];
    if (filter.rule_id !== undefined) {
      clauses.push('rule_id = ?');
      values.push(String(filter.rule_id));
    }
    if (filter.event_id !== undefined) {
      clauses.push('event_id = ?');
      values.push(String(filter.event_id));
    }
    values.push(checkedLimit(filter.limit));
    return docsOf<Execution>(this.#listStatement(clauses).all(...values));
  }

  /** `clauses` are fixed fragments from {@link list}; values are always bound, never spliced in. */
  #listStatement(clauses: string[]): StatementSync {
    const key = clauses.join(' AND ');
    let statement = this.#listByFilters.get(key);
    if (statement === undefined) {
      const where = ['tenant_id = ?', ...clauses].join(' AND ');
      statement = this.#db.prepare(`SELECT doc FROM executions WHERE ${where} ORDER BY created_at DESC, id DESC LIMIT ?`);
      this.#listByFilters.set(key, statement);
    }
    return statement;
  }
}
