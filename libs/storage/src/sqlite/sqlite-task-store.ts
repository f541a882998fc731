import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { ListOptions, Page, Task, TenantId } from '@flowline/contracts';
import type { TaskStore } from '../ports.ts';
import { assertSameTenant } from '../tenant-guard.ts';
import { sortableTime } from './sqlite-row.ts';
import { sqlitePruner } from './sqlite-prune.ts';
import { sqliteTenantPages } from './sqlite-tenant-pages.ts';
import { groupedWrite } from './sqlite-transaction.ts';

/** Tasks created by `create_task` actions, in the `tasks` table. */
export class SqliteTaskStore implements TaskStore {
  readonly #db: DatabaseSync;
  readonly #insertIfAbsent: StatementSync;
  readonly #page: (tenant: TenantId, page: ListOptions) => Promise<Page<Task>>;

  /** Deletes the oldest tasks written before a cut-off (retention). */
  readonly pruneBefore: (before: Date, limit: number) => Promise<number>;

  constructor(db: DatabaseSync) {
    this.#db = db;
    this.pruneBefore = sqlitePruner(db, 'tasks', 'created_at');
    this.#insertIfAbsent = db.prepare(
      'INSERT INTO tasks (tenant_id, id, created_at, doc) VALUES (?, ?, ?, ?) ON CONFLICT (tenant_id, id) DO NOTHING',
    );
    this.#page = sqliteTenantPages<Task>(db, 'tasks');
  }

  async insertIfAbsent(tenant: TenantId, task: Task): Promise<boolean> {
    assertSameTenant(tenant, task);
    // Grouped: the inserts of commands handled at once share one commit.
    const { changes } = await groupedWrite(this.#db, () =>
      this.#insertIfAbsent.run(tenant, String(task.id), sortableTime(task.created_at), JSON.stringify(task)),
    );
    return Number(changes) > 0;
  }

  list(tenant: TenantId, page: ListOptions): Promise<Page<Task>> {
    return this.#page(tenant, page);
  }
}
