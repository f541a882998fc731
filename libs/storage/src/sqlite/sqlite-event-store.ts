import type { DatabaseSync, SQLInputValue, StatementSync } from 'node:sqlite';
import type { EventFilter, EventRecord, Page, TenantId } from '@flowline/contracts';
import type { CursorPosition } from '../entity-cursor.ts';
import { readPage } from '../list-page.ts';
import type { EventStore, ProcessedEvent, RecordedEvent } from '../ports.ts';
import { assertSameTenant } from '../tenant-guard.ts';
import { executionRow, INSERT_EXECUTION_IF_ABSENT, type SqliteExecutionStore } from './sqlite-execution-store.ts';
import { filterClauses, FilteredStatements } from './sqlite-filters.ts';
import { docOf, docsOf, sortableTime } from './sqlite-row.ts';
import { runImmediate, withBusyRetry } from './sqlite-transaction.ts';
import type { SqliteWriter } from './sqlite-writer.ts';

const INSERT_EVENT_IF_ABSENT = 'INSERT INTO events (tenant_id, id, type, status, received_at, doc) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (tenant_id, id) DO NOTHING';

/**
 * The event log in the `events` table; a batch's events and executions share one transaction, run
 * on the writer thread when there is one (a file, not `:memory:`), so that the engine's event loop
 * never waits for the lock, the inserts or the commit.
 */
export class SqliteEventStore implements EventStore {
  readonly #db: DatabaseSync;
  readonly #executions: SqliteExecutionStore;
  readonly #writer: SqliteWriter | undefined;
  readonly #insertIfAbsent: StatementSync;
  readonly #get: StatementSync;
  readonly #list: FilteredStatements;

  constructor(db: DatabaseSync, executions: SqliteExecutionStore, writer?: SqliteWriter) {
    this.#db = db;
    this.#executions = executions;
    this.#writer = writer;
    this.#insertIfAbsent = db.prepare(INSERT_EVENT_IF_ABSENT);
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
    if (this.#writer !== undefined && !this.#writer.broken) return this.#recordOnWriter(this.#writer, batch, docs);
    // One lock and one commit for the batch, however many events and rules it holds.
    return withBusyRetry(this.#db, () => runImmediate(this.#db, () => batch.map((processed, index) => this.#recordOne(processed, docs[index]!))));
  }

  /** As {@link SqliteEventStore.#recordOne}, for the whole batch in one transaction on the writer thread. */
  async #recordOnWriter(writer: SqliteWriter, batch: readonly ProcessedEvent[], docs: readonly string[]): Promise<RecordedEvent[]> {
    const changes = await writer.write(
      batch.map(({ tenant, record, executions }, index) => ({
        head: { sql: INSERT_EVENT_IF_ABSENT, params: eventRow(tenant, record, docs[index]!) },
        dependents: executions.map((execution) => ({ sql: INSERT_EXECUTION_IF_ABSENT, params: executionRow(tenant, execution) })),
      })),
    );
    // An event already there was written by an earlier delivery, whose transaction has committed.
    return batch.map((processed, index) => (changes[index]! > 0 ? { created: true, record: processed.record, executions: [...processed.executions] } : this.#stored(processed)));
  }

  /**
   * The event row decides: inserted, and its executions go in with it; already there, and the
   * stored record and executions are what an earlier delivery wrote in the same transaction.
   */
  #recordOne(processed: ProcessedEvent, doc: string): RecordedEvent {
    const { tenant, record, executions } = processed;
    const { changes } = this.#insertIfAbsent.run(...eventRow(tenant, record, doc));
    if (Number(changes) > 0) {
      for (const execution of executions) this.#executions.insertIfAbsent(tenant, execution);
      return { created: true, record, executions: [...executions] };
    }
    return this.#stored(processed);
  }

  /** What an earlier delivery of the event recorded. */
  #stored({ tenant, record }: ProcessedEvent): RecordedEvent {
    const id = String(record.id);
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

function eventRow(tenant: TenantId, record: EventRecord, doc: string): SQLInputValue[] {
  return [tenant, String(record.id), String(record.type), String(record.status), sortableTime(record.received_at), doc];
}

export function positionOfEvent(record: EventRecord): CursorPosition {
  return { created_at: record.received_at, id: record.id };
}
