import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { ListOptions, Page, Task, TenantId } from '@flowline/contracts';
import type { ResultWithEffect, TaskStore } from '../ports.ts';
import { assertSameTenant } from '../tenant-guard.ts';
import { sortableTime } from './sqlite-row.ts';
import { sqlitePruner } from './sqlite-prune.ts';
import { sqliteTenantPages } from './sqlite-tenant-pages.ts';
import type { ResultWriter } from './sqlite-execution-store.ts';
import { groupedWrite } from './sqlite-transaction.ts';

/** Tasks created by `create_task` actions, in the `tasks` table. */
export class SqliteTaskStore implements TaskStore {
  readonly #db: DatabaseSync;
  readonly #insertIfAbsent: StatementSync;
  readonly #page: (tenant: TenantId, page: ListOptions) => Promise<Page<Task>>;

  /** Deletes the oldest tasks written before a cut-off (retention). */
  readonly pruneBefore: (before: Date, limit: number) => Promise<number>;

  readonly #results: ResultWriter;

  /** `results` writes an action's result with its effect (ResultWithEffect). */
  constructor(db: DatabaseSync, results: ResultWriter) {
    this.#db = db;
    this.#results = results;
    this.pruneBefore = sqlitePruner(db, 'tasks', 'created_at');
    this.#insertIfAbsent = db.prepare(
      'INSERT INTO tasks (tenant_id, id, created_at, doc) VALUES (?, ?, ?, ?) ON CONFLICT (tenant_id, id) DO NOTHING',
    );
    this.#page = sqliteTenantPages<Task>(db, 'tasks');
  }

  async insertIfAbsent(tenant: TenantId, task: Task, result?: ResultWithEffect): Promise<boolean> {
    assertSameTenant(tenant, task);
    const insert = () => this.#insertIfAbsent.run(tenant, String(task.id), sortableTime(task.created_at), JSON.stringify(task));
    // Grouped: the inserts of commands handled at once (and their results) share one commit.
    const { changes } = await groupedWrite(this.#db, () => this.#results.withEffect(insert, tenant, result));
    return Number(changes) > 0;
  }

  list(tenant: TenantId, page: ListOptions): Promise<Page<Task>> {
    return this.#page(tenant, page);
  }
}
