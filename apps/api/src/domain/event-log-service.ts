import type { EventDetail, EventFilter, EventRecord, Execution, ExecutionFilter, Notification, Page, PageOptions, Task, TenantId } from '@flowline/contracts';
import type { Stores } from '@flowline/storage';
import { AppError } from './app-error.ts';
import { withCursor } from './with-cursor.ts';

/** What happened to a tenant's events: the event log, the executions their rules caused, and the notifications and tasks those made. */
export class EventLogService {
  readonly #stores: Stores;

  constructor(stores: Stores) {
    this.#stores = stores;
  }

  listEvents(tenant: TenantId, filter: EventFilter): Promise<Page<EventRecord>> {
    return withCursor(() => this.#stores.events.list(tenant, filter));
  }

  async getEvent(tenant: TenantId, eventId: string): Promise<EventDetail> {
    const [record, executions] = await Promise.all([this.#stores.events.get(tenant, eventId), this.#stores.executions.forEvent(tenant, eventId)]);
    if (record === null) throw AppError.notFound(`event ${eventId}`);
    return { ...record, executions };
  }

  listExecutions(tenant: TenantId, filter: ExecutionFilter): Promise<Page<Execution>> {
    return withCursor(() => this.#stores.executions.list(tenant, filter));
  }

  listNotifications(tenant: TenantId, page: PageOptions): Promise<Page<Notification>> {
    return withCursor(() => this.#stores.notifications.list(tenant, page));
  }

  listTasks(tenant: TenantId, page: PageOptions): Promise<Page<Task>> {
    return withCursor(() => this.#stores.tasks.list(tenant, page));
  }
}
