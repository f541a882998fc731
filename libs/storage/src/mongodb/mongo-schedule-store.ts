import type { Collection, Document, Filter, ObjectId } from 'mongodb';
import type { ScheduledAction, ScheduledPage, TenantId } from '@flowline/contracts';
import { checkedLimit } from '../list-limit.ts';
import type { CancelOutcome, ScheduleStore } from '../ports.ts';
import { decodeScheduleCursor, dueMsOf, encodeScheduleCursor } from '../schedule-cursor.ts';
import { assertSameTenant } from '../tenant-guard.ts';
import { isDuplicateKeyError } from './mongo-errors.ts';

/** Fields the store keeps beside the document: its due time and lease. */
const BOOKKEEPING = { _id: 0, due_ms: 0, lease_owner: 0, lease_until: 0 } as const;

/** The `scheduled_actions` collection: due documents are leased to one scheduler at a time. */
export class MongoScheduleStore implements ScheduleStore {
  readonly #scheduled: Collection<Document>;

  constructor(scheduled: Collection<Document>) {
    this.#scheduled = scheduled;
  }

  async scheduleIfAbsent(tenant: TenantId, items: readonly ScheduledAction[]): Promise<void> {
    if (items.length === 0) return;
    for (const item of items) assertSameTenant(tenant, item);
    try {
      // Unordered: a duplicate (a redelivered event) must not stop the others.
      await this.#scheduled.insertMany(items.map((item) => this.#row(item)), { ordered: false });
    } catch (error) {
      // Every failed document must be a duplicate; any other failure is the caller's to see.
      const writeErrors = (error as { writeErrors?: unknown[] | unknown }).writeErrors;
      const all = Array.isArray(writeErrors) ? writeErrors : writeErrors === undefined ? [] : [writeErrors];
      const onlyDuplicates = all.length > 0 ? all.every((e) => (e as { code?: number }).code === 11000) : isDuplicateKeyError(error);
      if (!onlyDuplicates) throw error;
    }
  }

  async reschedule(tenant: TenantId, item: ScheduledAction): Promise<void> {
    assertSameTenant(tenant, item);
    await this.#scheduled.replaceOne({ tenant_id: String(tenant), id: String(item.id) }, this.#row(item), { upsert: true });
  }

  #row(item: ScheduledAction): Document {
    return { ...item, state: 'pending', due_ms: dueMsOf(item.run_at), lease_owner: null, lease_until: 0 };
  }

  async claimDue(owner: string, leaseMs: number, limit: number, now = Date.now()): Promise<ScheduledAction[]> {
    const claimed: ScheduledAction[] = [];
    const leaseOwner = String(owner);
    // Documents this call already leased match "leased to me" too, so they are excluded.
    const taken: ObjectId[] = [];
    // One atomic findOneAndUpdate per document: two schedulers never lease the same one.
    for (let i = 0; i < checkedLimit(limit); i++) {
      const doc = await this.#scheduled.findOneAndUpdate(
        { state: 'pending', due_ms: { $lte: now }, _id: { $nin: taken }, $or: [{ lease_until: { $lte: now } }, { lease_owner: leaseOwner }] },
        { $set: { lease_owner: leaseOwner, lease_until: now + leaseMs } },
        { sort: { due_ms: 1 }, projection: { due_ms: 0, lease_owner: 0, lease_until: 0 } },
      );
      if (doc === null) break;
      const { _id, ...item } = doc;
      taken.push(_id as ObjectId);
      claimed.push(item as unknown as ScheduledAction);
    }
    return claimed;
  }

  async settle(tenant: TenantId, id: string, state: 'published' | 'cancelled', reason?: string, owner?: string): Promise<boolean> {
    const filter: Document = { tenant_id: String(tenant), id: String(id), state: 'pending' };
    if (owner !== undefined) filter['lease_owner'] = String(owner);
    const outcome = await this.#scheduled.updateOne(filter, this.#settled(state, reason));
    return outcome.matchedCount > 0;
  }

  async cancel(tenant: TenantId, id: string, reason: string): Promise<CancelOutcome> {
    const filter = { tenant_id: String(tenant), id: String(id), state: 'pending' };
    const outcome = await this.#scheduled.updateOne({ ...filter, lease_until: { $lte: Date.now() } }, this.#settled('cancelled', reason));
    if (outcome.matchedCount > 0) return 'cancelled';
    return (await this.#scheduled.countDocuments(filter, { limit: 1 })) > 0 ? 'running' : 'not_pending';
  }

  #settled(state: 'published' | 'cancelled', reason: string | undefined): Document {
    return { $set: { state, updated_at: new Date().toISOString(), lease_owner: null, lease_until: 0, ...(reason === undefined ? {} : { reason: String(reason) }) } };
  }

  async get(tenant: TenantId, id: string): Promise<ScheduledAction | null> {
    return this.#scheduled.findOne<ScheduledAction>({ tenant_id: String(tenant), id: String(id) }, { projection: BOOKKEEPING });
  }

  async listPending(tenant: TenantId, page: { limit: number; cursor?: string | undefined }): Promise<ScheduledPage> {
    const limit = checkedLimit(page.limit);
    const query: Filter<Document> = { tenant_id: String(tenant), state: 'pending' };
    if (page.cursor !== undefined) {
      const after = decodeScheduleCursor(page.cursor);
      query['$or'] = [{ due_ms: { $gt: after.dueMs } }, { due_ms: after.dueMs, id: { $gt: after.id } }];
    }
    const docs = await this.#scheduled.find(query, { projection: { _id: 0, lease_owner: 0, lease_until: 0 } }).sort({ due_ms: 1, id: 1 }).limit(limit + 1).toArray();
    const items = docs.slice(0, limit).map(({ due_ms: _due, ...item }) => item as unknown as ScheduledAction);
    const last = docs[limit - 1];
    return docs.length > limit && last ? { items, next_cursor: encodeScheduleCursor(Number(last['due_ms']), String(last['id'])) } : { items };
  }
}
