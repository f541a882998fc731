import type { Collection, Document, Filter, MongoClient } from 'mongodb';
import type { Entity, EntityOf, EntityPage, EntityType, EventEnvelope, TenantId } from '@flowline/contracts';
import { decodeCursor, pageOf } from '../entity-cursor.ts';
import { checkedLimit } from '../list-limit.ts';
import type { EntityStore, EntityUpdateOutcome } from '../ports.ts';
import { assertSameTenant } from '../tenant-guard.ts';
import { NEWEST_FIRST, WITHOUT_ID } from './mongo-collections.ts';
import { isDuplicateKeyError } from './mongo-errors.ts';

/** Transactions must read from the primary, whatever read preference MONGODB_URL names. */
const PRIMARY = { readPreference: 'primary' } as const;

/** An outbox document: the event, plus the relay's bookkeeping. */
export function outboxDocument(event: EventEnvelope): Document {
  return { tenant_id: String(event.tenant_id), id: String(event.id), queued_at: new Date(), event, lease_owner: null, lease_until: 0, sent_at: null };
}

/**
 * Entities in one collection per type. A write and its outbox documents commit in one
 * multi-document transaction, which needs a replica set (a single-node one will do; Atlas
 * and the MongoDB testcontainer are replica sets). Embedding the outbox in the entity
 * document would have worked on a standalone server, but the relay would then have to scan
 * every entity collection and prune arrays inside documents users read and write.
 */
export class MongoEntityStore implements EntityStore {
  readonly #client: MongoClient;
  readonly #collections: Record<EntityType, Collection<Document>>;
  readonly #outbox: Collection<Document>;

  constructor(client: MongoClient, collections: Record<EntityType, Collection<Document>>, outbox: Collection<Document>) {
    this.#client = client;
    this.#collections = collections;
    this.#outbox = outbox;
  }

  async get<T extends EntityType>(tenant: TenantId, type: T, id: string): Promise<EntityOf<T> | null> {
    return this.#collection(type).findOne<EntityOf<T>>(byId(tenant, id), WITHOUT_ID);
  }

  async list<T extends EntityType>(tenant: TenantId, type: T, page: { limit: number; cursor?: string | undefined }): Promise<EntityPage<EntityOf<T>>> {
    const limit = checkedLimit(page.limit);
    const query: Filter<Document> = { tenant_id: String(tenant) };
    if (page.cursor !== undefined) {
      const after = decodeCursor(page.cursor);
      query['$or'] = [{ created_at: { $lt: after.created_at } }, { created_at: after.created_at, id: { $lt: after.id } }];
    }
    const items = await this.#collection(type).find<EntityOf<T>>(query, WITHOUT_ID).sort(NEWEST_FIRST).limit(limit + 1).toArray();
    return pageOf(items, limit);
  }

  async insert(tenant: TenantId, entity: Entity, events: readonly EventEnvelope[]): Promise<void> {
    assertSameTenant(tenant, entity);
    events.forEach((event) => assertSameTenant(tenant, event));
    await this.#client.withSession((session) =>
      session.withTransaction(async () => {
        // Copies, because insertOne adds an _id to the object it is given.
        await this.#collection(entity.entity_type).insertOne({ ...entity }, { session });
        if (events.length > 0) await this.#outbox.insertMany(events.map(outboxDocument), { session });
      }, PRIMARY),
    );
  }

  async update(tenant: TenantId, entity: Entity, expectedVersion: number, events: readonly EventEnvelope[]): Promise<EntityUpdateOutcome> {
    assertSameTenant(tenant, entity);
    events.forEach((event) => assertSameTenant(tenant, event));
    const collection = this.#collection(entity.entity_type);
    try {
      return await this.#client.withSession((session) =>
        session.withTransaction(async (): Promise<EntityUpdateOutcome> => {
          const eventIds = events.map((event) => String(event.id));
          if (eventIds.length > 0 && (await this.#outbox.findOne({ tenant_id: String(tenant), id: { $in: eventIds } }, { session })) !== null) {
            return 'duplicate';
          }
          const replaced = await collection.replaceOne({ ...byId(tenant, entity.id), version: Number(expectedVersion) }, { ...entity }, { session });
          if (replaced.matchedCount === 0) {
            const exists = await collection.findOne(byId(tenant, entity.id), { session, projection: { _id: 1 } });
            return exists === null ? 'not_found' : 'version_conflict';
          }
          if (events.length > 0) await this.#outbox.insertMany(events.map(outboxDocument), { session });
          return 'updated';
        }, PRIMARY),
      );
    } catch (error) {
      // Two deliveries of one command racing: the unique outbox index refused the second.
      if (isDuplicateKeyError(error)) return 'duplicate';
      throw error;
    }
  }

  #collection(type: EntityType): Collection<Document> {
    // hasOwn: a type such as 'constructor' must not reach Object.prototype.
    const collection = Object.hasOwn(this.#collections, type) ? this.#collections[type] : undefined;
    if (collection === undefined) throw new Error(`storage: unknown entity type ${JSON.stringify(type)}`);
    return collection;
  }
}

function byId(tenant: TenantId, id: string): Filter<Document> {
  return { tenant_id: String(tenant), id: String(id) };
}
