import type { Collection, Db, Document, Filter } from 'mongodb';
import { checkedLimit } from '../list-limit.ts';
import type { RetentionPolicy } from '../retention.ts';
import { COLLECTIONS } from './mongo-collections.ts';

/**
 * The Date field MongoDB's TTL monitor expires documents by: `created_at` is text (the
 * contracts' ISO string), which a TTL index ignores. Set on insert, never read back.
 */
export const STORED_AT = 'stored_at';
const TTL_INDEX = 'retention_ttl';

/** Which collection expires by which Date field under which setting. */
const TTL: ReadonlyArray<{ collection: string; field: string; kind: keyof RetentionPolicy }> = [
  { collection: COLLECTIONS.executions, field: STORED_AT, kind: 'executions' },
  // The event log and action results go with the executions.
  { collection: COLLECTIONS.events, field: STORED_AT, kind: 'executions' },
  { collection: COLLECTIONS.actionResults, field: STORED_AT, kind: 'executions' },
  { collection: COLLECTIONS.notifications, field: STORED_AT, kind: 'notifications' },
  { collection: COLLECTIONS.tasks, field: STORED_AT, kind: 'tasks' },
  // sent_at is a Date, and null until the broker confirmed: a TTL index skips unsent rows.
  { collection: COLLECTIONS.outbox, field: 'sent_at', kind: 'sentOutbox' },
];

/**
 * Makes each collection's TTL index match the policy: created when missing, its
 * expireAfterSeconds changed in place (collMod) when the setting changed, dropped at 0 days.
 * MongoDB then deletes expired documents itself, about once a minute, off Flowline's path.
 */
export async function applyRetentionIndexes(db: Db, policy: RetentionPolicy): Promise<void> {
  for (const { collection, field, kind } of TTL) {
    const seconds = Math.round(policy[kind] * 86_400);
    const existing = (await db.collection(collection).listIndexes().toArray()).find((index) => index['name'] === TTL_INDEX);
    if (seconds <= 0) {
      if (existing) await db.collection(collection).dropIndex(TTL_INDEX);
    } else if (!existing) {
      await db.collection(collection).createIndex({ [field]: 1 }, { name: TTL_INDEX, expireAfterSeconds: seconds });
    } else if (existing['expireAfterSeconds'] !== seconds) {
      await db.command({ collMod: collection, index: { name: TTL_INDEX, expireAfterSeconds: seconds } });
    }
  }
}

/**
 * `pruneBefore` on MongoDB, for `flowline prune` (the TTL indexes do the periodic work): the
 * oldest `limit` documents matching `olderThan(before)`, by their ids.
 */
export function mongoPruner(collection: Collection<Document>, sortField: string, olderThan: (before: Date) => Filter<Document>) {
  return async (before: Date, limit: number): Promise<number> => {
    const ids = (await collection.find(olderThan(before), { projection: { _id: 1 }, sort: { [sortField]: 1 }, limit: checkedLimit(limit) }).toArray()).map((doc) => doc._id);
    if (ids.length === 0) return 0;
    return (await collection.deleteMany({ _id: { $in: ids } })).deletedCount;
  };
}

/** By the contracts' created_at (ISO text, so string order is time order): also documents stored before STORED_AT existed. */
export const createdBefore = (before: Date): Filter<Document> => ({ created_at: { $lt: before.toISOString() } });
