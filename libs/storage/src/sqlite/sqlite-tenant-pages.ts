import type { DatabaseSync } from 'node:sqlite';
import type { ListOptions, Page, TenantId } from '@flowline/contracts';
import { positionOf, type CursorPosition } from '../entity-cursor.ts';
import { readPage } from '../list-page.ts';
import { AFTER_POSITION, afterValues } from './sqlite-filters.ts';
import { docsOf } from './sqlite-row.ts';

/**
 * A tenant's documents of one table (`tenant_id`, `id`, `created_at`, `doc`), newest first by (created_at, id),
 * a cursor page at a time: the list of every outbox-like table.
 */
export function sqliteTenantPages<T extends CursorPosition>(db: DatabaseSync, table: string): (tenant: TenantId, page: ListOptions) => Promise<Page<T>> {
  const first = db.prepare(`SELECT doc FROM ${table} WHERE tenant_id = ? ORDER BY created_at DESC, id DESC LIMIT ?`);
  const next = db.prepare(`SELECT doc FROM ${table} WHERE tenant_id = ? AND ${AFTER_POSITION} ORDER BY created_at DESC, id DESC LIMIT ?`);
  return (tenant, page) =>
    readPage<T>({
      limit: page.limit,
      cursor: page.cursor,
      positionOf,
      fetch: async (after, count) => docsOf<T>(after === undefined ? first.all(tenant, count) : next.all(tenant, ...afterValues(after), count)),
    });
}
