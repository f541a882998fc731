import type { Collection, Document } from 'mongodb';
import type { ListOptions, Page, Task, TenantId } from '@flowline/contracts';
import { positionOf } from '../entity-cursor.ts';
import { readPage } from '../list-page.ts';
import type { TaskStore } from '../ports.ts';
import { assertSameTenant } from '../tenant-guard.ts';
import { NEWEST_FIRST, WITHOUT_ID } from './mongo-collections.ts';
import { isDuplicateKeyError } from './mongo-errors.ts';
import { afterPosition } from './mongo-execution-store.ts';
import { createdBefore, mongoPruner, STORED_AT } from './mongo-retention.ts';

/** Tasks created by `create_task` actions, in the `tasks` collection. */
export class MongoTaskStore implements TaskStore {
  readonly #tasks: Collection<Document>;

  /** Deletes the oldest tasks created before a cut-off (`flowline prune`; a TTL index does it periodically). */
  readonly pruneBefore: (before: Date, limit: number) => Promise<number>;

  constructor(tasks: Collection<Document>) {
    this.#tasks = tasks;
    this.pruneBefore = mongoPruner(tasks, 'created_at', createdBefore);
  }

  async insertIfAbsent(tenant: TenantId, task: Task): Promise<boolean> {
    assertSameTenant(tenant, task);
    try {
      // A copy, because insertOne adds an _id to the object it is given.
      await this.#tasks.insertOne({ ...task, [STORED_AT]: new Date() });
      return true;
    } catch (error) {
      if (isDuplicateKeyError(error)) return false;
      throw error;
    }
  }

  async list(tenant: TenantId, page: ListOptions): Promise<Page<Task>> {
    const query = { tenant_id: String(tenant) };
    return readPage<Task>({
      limit: page.limit,
      cursor: page.cursor,
      positionOf,
      fetch: (after, count) =>
        this.#tasks.find<Task>(after === undefined ? query : { $and: [query, afterPosition(after)] }, WITHOUT_ID).sort(NEWEST_FIRST).limit(count).toArray(),
    });
  }
}
