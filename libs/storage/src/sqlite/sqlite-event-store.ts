import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { EventFilter, EventRecord, Page, TenantId } from '@flowline/contracts';
import type { CursorPosition } from '../entity-cursor.ts';
import { readPage } from '../list-page.ts';
import type { EventStore, ProcessedEvent, RecordedEvent } from '../ports.ts';
import { assertSameTenant } from '../tenant-guard.ts';
import type { SqliteExecutionStore } from './sqlite-execution-store.ts';
import { filterClauses, FilteredStatements } from './sqlite-filters.ts';
import { docOf, docsOf, sortableTime } from './sqlite-row.ts';
import { runImmediate, withBusyRetry } from './sqlite-transaction.ts';

/** The event log in the `events` table; a batch's events and executions share one transaction. */
export class SqliteEventStore implements EventStore {
  readonly #db: DatabaseSync;
  readonly #executions: SqliteExecutionStore;
  readonly #insertIfAbsent: StatementSync;
  readonly #get: StatementSync;
  readonly #list: FilteredStatements;

  constructor(db: DatabaseSync, executions: SqliteExecutionStore) {
    this.#db = db;
    this.#executions = executions;
    this.#insertIfAbsent = db.prepare(
      'INSERT INTO events (tenant_id, id, type, status, received_at, doc) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (tenant_id, id) DO NOTHING',
    );
    this.#get = db.prepare('SELECT doc FROM events WHERE tenant_id = ? AND id = ?');
    this.#list = new FilteredStatements(db, (where) => `SELECT doc FROM events WHERE ${where} ORDER BY received_at DESC, id DESC LIMIT ?`);
  }

  async recordProcessed(batch: readonly ProcessedEvent[]): Promise<RecordedEvent[]> {
    // Every tenant checked before anything is written.
    for (const { tenant, record, executions } of batch) {
      assertSameTenant(tenant, record);
      for (const execution of executions) assertSameTenant(tenant, execution);
    }
    if (batch.length === 0) return [];
    const docs = batch.map(({ record }) => JSON.stringify(record));
    // One lock and one commit for the batch, however many events and rules it holds.
    return withBusyRetry(this.#db, () => runImmediate(this.#db, () => batch.map((processed, index) => this.#recordOne(processed, docs[index]!))));
  }

  /**
   * The event row decides: inserted, and its executions go in with it; already there, and the
   * stored record and executions are what an earlier delivery wrote in the same transaction.
   */
  #recordOne({ tenant, record, executions }: ProcessedEvent, doc: string): RecordedEvent {
    const id = String(record.id);
    const { changes } = this.#insertIfAbsent.run(tenant, id, String(record.type), String(record.status), sortableTime(record.received_at), doc);
    if (Number(changes) > 0) {
      for (const execution of executions) this.#executions.insertIfAbsent(tenant, execution);
      return { created: true, record, executions: [...executions] };
    }
    const stored = docOf<EventRecord>(this.#get.get(tenant, id));
    if (stored === null) throw new Error(`storage: event ${id} was neither inserted nor found`);
    return { created: false, record: stored, executions: this.#executions.forEventNow(tenant, id) };
  }

  async get(tenant: TenantId, eventId: string): Promise<EventRecord | null> {
    return docOf<EventRecord>(this.#get.get(tenant, String(eventId)));
  }

  async list(tenant: TenantId, filter: EventFilter): Promise<Page<EventRecord>> {
    const { clauses, values } = filterClauses([
      ['type = ?', filter.type],
      ['status = ?', filter.status],
      ["coalesce(json_extract(doc, '$.admission.deferred'), 0) = ?", filter.deferred === undefined ? undefined : Number(filter.deferred)],
      ['received_at >= ?', filter.from === undefined ? undefined : sortableTime(filter.from)],
      ['received_at < ?', filter.to === undefined ? undefined : sortableTime(filter.to)],
    ]);
    return readPage<EventRecord>({
      limit: filter.limit,
      cursor: filter.cursor,
      positionOf: positionOfEvent,
      fetch: async (after, count) => {
        const statement = this.#list.get(after === undefined ? clauses : [...clauses, '(received_at < ? OR (received_at = ? AND id < ?))']);
        const afterValues = after === undefined ? [] : [sortableTime(after.created_at), sortableTime(after.created_at), after.id];
        return docsOf<EventRecord>(statement.all(tenant, ...values, ...afterValues, count));
      },
    });
  }
}

export function positionOfEvent(record: EventRecord): CursorPosition {
  return { created_at: record.received_at, id: record.id };
}
