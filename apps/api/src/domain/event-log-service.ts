import type { EventDetail, EventFilter, EventRecord, Execution, ExecutionFilter, Page, TenantId } from '@flowline/contracts';
import { InvalidCursorError, type Stores } from '@flowline/storage';
import { AppError } from './app-error.ts';

/** What happened to a tenant's events: the event log, and the executions their rules caused. */
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
}

async function withCursor<T>(list: () => Promise<T>): Promise<T> {
  try {
    return await list();
  } catch (error) {
    if (error instanceof InvalidCursorError) throw AppError.validation([{ path: 'query.cursor', message: error.message }]);
    throw error;
  }
}
