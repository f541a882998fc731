import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { Entity, EntityOf, EntityPage, EntityType, EventEnvelope, TenantId } from '@flowline/contracts';
import { decodeCursor, pageOf } from '../entity-cursor.ts';
import { checkedLimit } from '../list-limit.ts';
import type { EntityStore, EntityUpdateOutcome } from '../ports.ts';
import { assertSameTenant } from '../tenant-guard.ts';
import { docOf, docsOf, sortableTime } from './sqlite-row.ts';
import { runImmediate, withBusyRetry } from './sqlite-transaction.ts';

/** Entities in the `entities` table; their events go to `outbox` in the same transaction. */
export class SqliteEntityStore implements EntityStore {
  readonly #db: DatabaseSync;
  readonly #insert: StatementSync;
  readonly #get: StatementSync;
  readonly #version: StatementSync;
  readonly #update: StatementSync;
  readonly #firstPage: StatementSync;
  readonly #nextPage: StatementSync;
  readonly #queue: StatementSync;
  readonly #queued: StatementSync;

  constructor(db: DatabaseSync) {
    this.#db = db;
    this.#insert = db.prepare('INSERT INTO entities (tenant_id, entity_type, id, version, created_at, doc) VALUES (?, ?, ?, ?, ?, ?)');
    this.#get = db.prepare('SELECT doc FROM entities WHERE tenant_id = ? AND entity_type = ? AND id = ?');
    this.#version = db.prepare('SELECT version FROM entities WHERE tenant_id = ? AND entity_type = ? AND id = ?');
    this.#update = db.prepare('UPDATE entities SET version = ?, doc = ? WHERE tenant_id = ? AND entity_type = ? AND id = ? AND version = ?');
    const newestFirst = 'ORDER BY created_at DESC, id DESC LIMIT ?';
    this.#firstPage = db.prepare(`SELECT doc FROM entities WHERE tenant_id = ? AND entity_type = ? ${newestFirst}`);
    this.#nextPage = db.prepare(
      `SELECT doc FROM entities WHERE tenant_id = ? AND entity_type = ? AND (created_at < ? OR (created_at = ? AND id < ?)) ${newestFirst}`,
    );
    this.#queue = db.prepare('INSERT INTO outbox (tenant_id, id, event) VALUES (?, ?, ?)');
    this.#queued = db.prepare('SELECT 1 FROM outbox WHERE tenant_id = ? AND id = ?');
  }

  async get<T extends EntityType>(tenant: TenantId, type: T, id: string): Promise<EntityOf<T> | null> {
    return docOf<EntityOf<T>>(this.#get.get(tenant, String(type), String(id)));
  }

  async list<T extends EntityType>(tenant: TenantId, type: T, page: { limit: number; cursor?: string | undefined }): Promise<EntityPage<EntityOf<T>>> {
    // One more than asked, to know whether a next page exists without a second query.
    const limit = checkedLimit(page.limit);
    const rows =
      page.cursor === undefined
        ? this.#firstPage.all(tenant, String(type), limit + 1)
        : (() => {
            const after = decodeCursor(page.cursor);
            return this.#nextPage.all(tenant, String(type), after.created_at, after.created_at, after.id, limit + 1);
          })();
    return pageOf(docsOf<EntityOf<T>>(rows), limit, sortableTime);
  }

  async insert(tenant: TenantId, entity: Entity, events: readonly EventEnvelope[]): Promise<void> {
    assertSameTenant(tenant, entity);
    events.forEach((event) => assertSameTenant(tenant, event));
    await withBusyRetry(this.#db, () =>
      runImmediate(this.#db, () => {
        this.#insert.run(tenant, entity.entity_type, String(entity.id), entity.version, sortableTime(entity.created_at), JSON.stringify(entity));
        this.#queueAll(tenant, events);
      }),
    );
  }

  async update(tenant: TenantId, entity: Entity, expectedVersion: number, events: readonly EventEnvelope[]): Promise<EntityUpdateOutcome> {
    assertSameTenant(tenant, entity);
    events.forEach((event) => assertSameTenant(tenant, event));
    const key = [tenant, entity.entity_type, String(entity.id)] as const;
    return withBusyRetry(this.#db, () =>
      runImmediate(this.#db, (): EntityUpdateOutcome => {
        if (events.some((event) => this.#queued.get(tenant, String(event.id)) !== undefined)) return 'duplicate';
        const stored = this.#version.get(...key);
        if (stored === undefined) return 'not_found';
        if (Number(stored['version']) !== expectedVersion) return 'version_conflict';
        this.#update.run(entity.version, JSON.stringify(entity), ...key, expectedVersion);
        this.#queueAll(tenant, events);
        return 'updated';
      }),
    );
  }

  #queueAll(tenant: TenantId, events: readonly EventEnvelope[]): void {
    for (const event of events) this.#queue.run(tenant, String(event.id), JSON.stringify(event));
  }
}
