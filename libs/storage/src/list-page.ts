import type { Page } from '@flowline/contracts';
import { decodeCursor, encodeCursor, type CursorPosition } from './entity-cursor.ts';
import { checkedLimit } from './list-limit.ts';

/**
 * A filter that only the merged documents can answer (an execution's status comes from its
 * actions' results) is applied while reading; a page then reads at most this many rows and
 * hands back a cursor where it stopped, so one request's cost stays bounded.
 */
const MAX_ROWS_SCANNED = 5000;

export interface PageQuery<T> {
  limit: number;
  cursor?: string | undefined;
  /** Rows newest first, strictly after `after` when given, at most `count` of them. */
  fetch(after: CursorPosition | undefined, count: number): Promise<T[]>;
  positionOf(item: T): CursorPosition;
  /** Keeps only the rows it returns true for. */
  keep?: ((item: T) => boolean) | undefined;
}

/** One page of a newest-first list, with a cursor for the next when there may be one. */
export async function readPage<T>(query: PageQuery<T>): Promise<Page<T>> {
  const limit = checkedLimit(query.limit);
  const { keep } = query;
  let after = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
  const chunk = keep === undefined ? limit + 1 : Math.max(2 * limit, 100);
  const items: T[] = [];
  for (let scanned = 0; ; ) {
    const rows = await query.fetch(after, chunk);
    for (const row of rows) {
      if (keep !== undefined && !keep(row)) continue;
      if (items.length === limit) return { items, next_cursor: encodeCursor(query.positionOf(items[limit - 1]!)) };
      items.push(row);
    }
    scanned += rows.length;
    if (rows.length < chunk) return { items };
    after = query.positionOf(rows[rows.length - 1]!);
    if (scanned >= MAX_ROWS_SCANNED) return { items, next_cursor: encodeCursor(after) };
  }
}
