import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { ListOptions, Page, Task, TenantId } from '@flowline/contracts';
import { positionOf } from '../entity-cursor.ts';
import { readPage } from '../list-page.ts';
import type { TaskStore } from '../ports.ts';
import { assertSameTenant } from '../tenant-guard.ts';
import { AFTER_POSITION, afterValues } from './sqlite-filters.ts';
import { docsOf, sortableTime } from './sqlite-row.ts';
import { sqlitePruner } from './sqlite-prune.ts';
import { groupedWrite } from './sqlite-transaction.ts';

/** Tasks created by `create_task` actions, in the `tasks` table. */
export class SqliteTaskStore implements TaskStore {
  readonly #db: DatabaseSync;
  readonly #insertIfAbsent: StatementSync;
  readonly #firstPage: StatementSync;
  readonly #nextPage: StatementSync;

  /** Deletes the oldest tasks written before a cut-off (retention). */
  readonly pruneBefore: (before: Date, limit: number) => Promise<number>;

  constructor(db: DatabaseSync) {
    this.#db = db;
    this.pruneBefore = sqlitePruner(db, 'tasks', 'created_at');
    this.#insertIfAbsent = db.prepare(
      'INSERT INTO tasks (tenant_id, id, created_at, doc) VALUES (?, ?, ?, ?) ON CONFLICT (tenant_id, id) DO NOTHING',
    );
    this.#firstPage = db.prepare('SELECT doc FROM tasks WHERE tenant_id = ? ORDER BY created_at DESC, id DESC LIMIT ?');
    this.#nextPage = db.prepare(`SELECT doc FROM tasks WHERE tenant_id = ? AND ${AFTER_POSITION} ORDER BY created_at DESC, id DESC LIMIT ?`);
  }

  async insertIfAbsent(tenant: TenantId, task: Task): Promise<boolean> {
    assertSameTenant(tenant, task);
    // Grouped: the inserts of commands handled at once share one commit.
    const { changes } = await groupedWrite(this.#db, () =>
      this.#insertIfAbsent.run(tenant, String(task.id), sortableTime(task.created_at), JSON.stringify(task)),
    );
    return Number(changes) > 0;
  }

  async list(tenant: TenantId, page: ListOptions): Promise<Page<Task>> {
    return readPage<Task>({
      limit: page.limit,
      cursor: page.cursor,
      positionOf,
      fetch: async (after, count) =>
        docsOf<Task>(after === undefined ? this.#firstPage.all(tenant, count) : this.#nextPage.all(tenant, ...afterValues(after), count)),
    });
  }
}
