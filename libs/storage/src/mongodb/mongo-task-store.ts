import type { Collection, Document } from 'mongodb';
import type { ListOptions, Page, Task, TenantId } from '@flowline/contracts';
import type { ExecutionStore, ResultWithEffect, TaskStore } from '../ports.ts';
import { assertSameTenant } from '../tenant-guard.ts';
import { insertEffectOnce } from './mongo-effect-insert.ts';
import { createdBefore, mongoPruner } from './mongo-retention.ts';
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
    return insertEffectOnce(this.#tasks, task, this.#results, tenant, result);
  }

  list(tenant: TenantId, page: ListOptions): Promise<Page<Task>> {
    return this.#page(tenant, page);
  }
}
