import type { Collection, Document } from 'mongodb';
import type { ListOptions, Page, Task, TenantId } from '@flowline/contracts';
import type { ExecutionStore, ResultWithEffect, TaskStore } from '../ports.ts';
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

  readonly #results: Pick<ExecutionStore, 'recordActionResult'>;

  /** `results` records an action's result after its effect (ResultWithEffect). */
  constructor(tasks: Collection<Document>, results: Pick<ExecutionStore, 'recordActionResult'>) {
    this.#tasks = tasks;
    this.#results = results;
    this.#page = mongoTenantPages<Task>(tasks);
    this.pruneBefore = mongoPruner(tasks, 'created_at', createdBefore);
  }

  async insertIfAbsent(tenant: TenantId, task: Task, result?: ResultWithEffect): Promise<boolean> {
    assertSameTenant(tenant, task);
    let created: boolean;
    try {
      // A copy, because insertOne adds an _id to the object it is given.
      await this.#tasks.insertOne({ ...task, [STORED_AT]: new Date() });
      created = true;
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
      created = false;
    }
    // After the effect, never before: a result is only there for an effect that is. A failure here fails the
    // command, whose redelivery finds the effect and writes the result again.
    if (result !== undefined) await this.#results.recordActionResult(tenant, result);
    return created;
  }

  list(tenant: TenantId, page: ListOptions): Promise<Page<Task>> {
    return this.#page(tenant, page);
  }
}
