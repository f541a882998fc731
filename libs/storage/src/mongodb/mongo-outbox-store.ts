import type { Collection, Document, ObjectId } from 'mongodb';
import type { EventEnvelope, TenantId } from '@flowline/contracts';
import { checkedLimit } from '../list-limit.ts';
import type { OutboxStore } from '../ports.ts';
import { mongoPruner } from './mongo-retention.ts';

/**
 * Queue order. The events of one write share their `queued_at` millisecond; the driver's
 * ObjectIds grow within a process and insertMany is ordered, so `_id` keeps them in the
 * order they were raised (a random event id would not).
 */
const QUEUE_ORDER = { queued_at: 1, _id: 1 } as const;

/** The `event_outbox` collection: documents are leased to one relay at a time and kept once sent. */
export class MongoOutboxStore implements OutboxStore {
  readonly #outbox: Collection<Document>;

  /** Deletes the oldest documents the broker confirmed before a cut-off (`flowline prune`; a TTL index does it periodically). */
  readonly pruneBefore: (before: Date, limit: number) => Promise<number>;

  constructor(outbox: Collection<Document>) {
    this.#outbox = outbox;
    // $lt against a Date matches only Dates (MongoDB compares within a type), so unsent rows (null) never match.
    this.pruneBefore = mongoPruner(outbox, 'sent_at', (before) => ({ sent_at: { $lt: before } }));
  }

  async claim(owner: string, leaseMs: number, limit: number): Promise<EventEnvelope[]> {
    const claimed: EventEnvelope[] = [];
    const leaseOwner = String(owner);
    // Rows this call already leased match "leased to me" too: without excluding them the
    // loop would hand back the same oldest row again and again.
    const taken: ObjectId[] = [];
    // One atomic findOneAndUpdate per document: two relays can never lease the same one.
    for (let i = 0; i < checkedLimit(limit); i++) {
      const now = Date.now();
      const doc = await this.#outbox.findOneAndUpdate(
        { sent_at: null, _id: { $nin: taken }, $or: [{ lease_until: { $lte: now } }, { lease_owner: leaseOwner }] },
        { $set: { lease_owner: leaseOwner, lease_until: now + leaseMs } },
        { sort: QUEUE_ORDER, projection: { _id: 1, event: 1 } },
      );
      if (doc === null) break;
      taken.push(doc._id as ObjectId);
      claimed.push(doc['event'] as EventEnvelope);
    }
    return claimed;
  }

  async markSent(tenant: TenantId, eventId: string): Promise<void> {
    await this.#outbox.updateOne({ tenant_id: String(tenant), id: String(eventId) }, { $set: { sent_at: new Date(), lease_owner: null } });
  }

  async unsent(tenant: TenantId): Promise<EventEnvelope[]> {
    const docs = await this.#outbox.find({ tenant_id: String(tenant), sent_at: null }, { projection: { _id: 0, event: 1 } }).sort(QUEUE_ORDER).toArray();
    return docs.map((doc) => doc['event'] as EventEnvelope);
  }
}
