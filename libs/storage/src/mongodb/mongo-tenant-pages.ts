import type { Collection, Document, Filter } from 'mongodb';
import type { ListOptions, Page, TenantId } from '@flowline/contracts';
import { positionOf, type CursorPosition } from '../entity-cursor.ts';
import { readPage } from '../list-page.ts';
import { NEWEST_FIRST, WITHOUT_ID } from './mongo-collections.ts';

/** Newest first by (created_at, id): what comes strictly after `after`. */
export function afterPosition(after: CursorPosition, timeField = 'created_at'): Filter<Document> {
  return { $or: [{ [timeField]: { $lt: after.created_at } }, { [timeField]: after.created_at, id: { $lt: after.id } }] };
}

/**
 * A tenant's documents of one collection, newest first by (created_at, id), a cursor page at a time: the list of
 * every outbox-like collection (the MongoDB side of sqliteTenantPages).
 */
export function mongoTenantPages<T extends CursorPosition>(collection: Collection<Document>): (tenant: TenantId, page: ListOptions) => Promise<Page<T>> {
  return (tenant, page) => {
    const query = { tenant_id: String(tenant) };
    return readPage<T>({
      limit: page.limit,
      cursor: page.cursor,
      positionOf,
      fetch: (after, count) => collection.find<T>(after === undefined ? query : { $and: [query, afterPosition(after)] }, WITHOUT_ID).sort(NEWEST_FIRST).limit(count).toArray(),
    });
  };
}
