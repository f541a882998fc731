import type { Collection, Document } from 'mongodb';
import type { ListOptions, Page, Task, TenantId } from '@flowline/contracts';
import type { TaskStore } from '../ports.ts';
import { assertSameTenant } from '../tenant-guard.ts';
import { isDuplicateKeyError } from './mongo-errors.ts';
import { createdBefore, mongoPruner, STORED_AT } from './mongo-retention.ts';
import { mongoTenantPages } from './mongo-tenant-pages.ts';

/** Tasks created by `create_task` actions, in the `tasks` collection. */
export class MongoTaskStore implements TaskStore {
  readonly #tasks: Collection<Document>;
  readonly #page: (tenant: TenantId, page: ListOptions) => Promise<Page<Task>>;

  /** Deletes the oldest tasks created before a cut-off (`flowline prune`; a TTL index does it periodically). */
  readonly pruneBefore: (before: Date, limit: number) => Promise<number>;

  constructor(tasks: Collection<Document>) {
    this.#tasks = tasks;
    this.#page = mongoTenantPages<Task>(tasks);
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

  list(tenant: TenantId, page: ListOptions): Promise<Page<Task>> {
    return this.#page(tenant, page);
  }
}
