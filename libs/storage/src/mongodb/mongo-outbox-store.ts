import type { Collection, Document } from 'mongodb';
import type { EventEnvelope, TenantId } from '@flowline/contracts';
import { checkedLimit } from '../list-limit.ts';
import type { OutboxStore } from '../ports.ts';

/** The `event_outbox` collection: documents are leased to one relay at a time and kept once sent. */
export class MongoOutboxStore implements OutboxStore {
  readonly #outbox: Collection<Document>;

  constructor(outbox: Collection<Document>) {
    this.#outbox = outbox;
  }

  async claim(owner: string, leaseMs: number, limit: number): Promise<EventEnvelope[]> {
    const claimed: EventEnvelope[] = [];
    // One atomic findOneAndUpdate per document: two relays can never lease the same one.
    for (let i = 0; i < checkedLimit(limit); i++) {
      const now = Date.now();
      const doc = await this.#outbox.findOneAndUpdate(
        { sent_at: null, $or: [{ lease_until: { $lte: now } }, { lease_owner: String(owner) }] },
        { $set: { lease_owner: String(owner), lease_until: now + leaseMs } },
        { sort: { queued_at: 1, id: 1 }, projection: { _id: 0, event: 1 } },
      );
      if (doc === null) break;
      claimed.push(doc['event'] as EventEnvelope);
    }
    return claimed;
  }

  async markSent(tenant: TenantId, eventId: string): Promise<void> {
    await this.#outbox.updateOne({ tenant_id: String(tenant), id: String(eventId) }, { $set: { sent_at: new Date(), lease_owner: null } });
  }

  async unsent(tenant: TenantId): Promise<EventEnvelope[]> {
    const docs = await this.#outbox.find({ tenant_id: String(tenant), sent_at: null }, { projection: { _id: 0, event: 1 } }).sort({ queued_at: 1, id: 1 }).toArray();
    return docs.map((doc) => doc['event'] as EventEnvelope);
  }
}
