import { MongoBulkWriteError, type Collection, type Document, type Filter } from 'mongodb';
import type { EventFilter, EventRecord, Page, TenantId } from '@flowline/contracts';
import { readPage } from '../list-page.ts';
import type { EventStore, ProcessedEvent, RecordedEvent } from '../ports.ts';
import { assertSameTenant } from '../tenant-guard.ts';
import { WITHOUT_ID } from './mongo-collections.ts';
import { STORED_AT } from './mongo-retention.ts';
import { timeRange, type MongoExecutionStore } from './mongo-execution-store.ts';
import { afterPosition } from './mongo-tenant-pages.ts';

const NEWEST_RECEIVED_FIRST = { received_at: -1, id: -1 } as const;

/**
 * The event log in `automation_events`. A batch is two bulk inserts, executions first, then
 * events, each unordered so that a duplicate (a redelivery) does not stop the others; no
 * transaction, since a duplicate-key error would abort it whole. An event found already
 * stored therefore had its executions stored before it.
 */
export class MongoEventStore implements EventStore {
  readonly #events: Collection<Document>;
  readonly #executions: Collection<Document>;
  readonly #executionStore: MongoExecutionStore;

  constructor(events: Collection<Document>, executions: Collection<Document>, executionStore: MongoExecutionStore) {
    this.#events = events;
    this.#executions = executions;
    this.#executionStore = executionStore;
  }

  async recordProcessed(batch: readonly ProcessedEvent[]): Promise<RecordedEvent[]> {
    for (const { tenant, record, executions } of batch) {
      assertSameTenant(tenant, record);
      for (const execution of executions) assertSameTenant(tenant, execution);
    }
    if (batch.length === 0) return [];
    // Copies, because insertMany adds an _id to the objects it is given.
    const owners = batch.flatMap(({ executions }, index) => executions.map(() => index));
    const storedAt = new Date();
    const executionDuplicates = await insertKeepingDuplicates(this.#executions, batch.flatMap(({ executions }) => executions.map((execution) => ({ ...execution, [STORED_AT]: storedAt }))));
    // An event recorded now may still find one of its executions stored by a delivery that died
    // between the two writes: the commands must then be the ones stored first.
    const readBack = new Set([...executionDuplicates].map((index) => owners[index]!));
    const duplicates = await insertKeepingDuplicates(this.#events, batch.map(({ record }) => ({ ...record, [STORED_AT]: storedAt })));
    await this.#withdrawRedecided(batch, duplicates, owners, executionDuplicates);
    return Promise.all(
      batch.map(async ({ tenant, record, executions }, index): Promise<RecordedEvent> => {
        const eventId = String(record.id);
        if (!duplicates.has(index)) {
          return { created: true, record, executions: readBack.has(index) ? await this.#executionStore.forEvent(tenant, eventId) : [...executions] };
        }
        const stored = await this.#events.findOne<EventRecord>({ tenant_id: String(tenant), id: eventId }, WITHOUT_ID);
        if (stored === null) throw new Error(`storage: event ${eventId} was neither inserted nor found`);
        return { created: false, record: stored, executions: await this.#executionStore.forEvent(tenant, eventId) };
      }),
    );
  }

  /**
   * A redelivered event's decisions are the first delivery's: executions this call inserted
   * for an event stored before (a rule added since, say) are taken out again, as SQLite never
   * writes them.
   */
  async #withdrawRedecided(batch: readonly ProcessedEvent[], duplicates: Set<number>, owners: number[], executionDuplicates: Set<number>): Promise<void> {
    if (duplicates.size === 0) return;
    const flat = batch.flatMap(({ tenant, executions }) => executions.map((execution) => ({ tenant, id: String(execution.id) })));
    const withdrawn = flat.filter((_, index) => duplicates.has(owners[index]!) && !executionDuplicates.has(index));
    if (withdrawn.length === 0) return;
    const byTenant = new Map<string, string[]>();
    for (const { tenant, id } of withdrawn) byTenant.set(String(tenant), [...(byTenant.get(String(tenant)) ?? []), id]);
    // One delete per tenant, on the {tenant_id, id} index.
    for (const [tenant, ids] of byTenant) await this.#executions.deleteMany({ tenant_id: tenant, id: { $in: ids } });
  }

  async get(tenant: TenantId, eventId: string): Promise<EventRecord | null> {
    return this.#events.findOne<EventRecord>({ tenant_id: String(tenant), id: String(eventId) }, WITHOUT_ID);
  }

  async list(tenant: TenantId, filter: EventFilter): Promise<Page<EventRecord>> {
    const query: Filter<Document> = { tenant_id: String(tenant) };
    if (filter.type !== undefined) query['type'] = String(filter.type);
    if (filter.status !== undefined) query['status'] = String(filter.status);
    if (filter.deferred !== undefined) query['admission.deferred'] = filter.deferred ? true : { $ne: true };
    Object.assign(query, timeRange('received_at', filter));
    return readPage<EventRecord>({
      limit: filter.limit,
      cursor: filter.cursor,
      positionOf: (record) => ({ created_at: record.received_at, id: record.id }),
      fetch: (after, count) => {
        const page = after === undefined ? query : { $and: [query, afterPosition(after, 'received_at')] };
        return this.#events.find<EventRecord>(page, WITHOUT_ID).sort(NEWEST_RECEIVED_FIRST).limit(count).toArray();
      },
    });
  }
}

/** Inserts all documents it can; returns the indexes of those refused as duplicates. */
async function insertKeepingDuplicates(collection: Collection<Document>, docs: Document[]): Promise<Set<number>> {
  const duplicates = new Set<number>();
  if (docs.length === 0) return duplicates;
  try {
    await collection.insertMany(docs, { ordered: false });
  } catch (error) {
    if (!(error instanceof MongoBulkWriteError)) throw error;
    const writeErrors = [error.writeErrors].flat();
    if (writeErrors.length === 0 || writeErrors.some((w) => w.code !== 11000)) throw error;
    for (const w of writeErrors) duplicates.add(w.index);
  }
  return duplicates;
}
