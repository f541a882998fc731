import type { Response } from 'express';

/** The most one list response may take; items past it are left out (see {@link sendList}). */
export const MAX_LIST_RESPONSE_BYTES = 4 * 1024 * 1024;
export const TRUNCATED_HEADER = 'x-flowline-truncated';

/**
 * Sends a JSON array of `items`, newest first, stopping before the item that would take the
 * body past `maxBytes`: a `limit` of 500 large records answers fewer items rather than hundreds
 * of megabytes. When items were left out, `X-Flowline-Truncated: <sent>/<found>` says so; a
 * narrower filter or a smaller `limit` gets the rest. At least one item is always sent.
 */
export function sendList(res: Response, items: readonly unknown[], maxBytes = MAX_LIST_RESPONSE_BYTES): void {
  const pieces = fitting(items, maxBytes);
  if (pieces.length < items.length) res.setHeader(TRUNCATED_HEADER, `${pieces.length}/${items.length}`);
  res.type('application/json').send(`[${pieces.join(',')}]`);
}

/**
 * Sends a cursor page `{items, next_cursor?}` within `maxBytes`: when the items do not all fit,
 * fewer are sent and `next_cursor` continues right after the last one sent, so nothing is skipped.
 */
export function sendPage<T>(res: Response, page: { items: readonly T[]; next_cursor?: string }, cursorAfter: (item: T) => string, maxBytes = MAX_LIST_RESPONSE_BYTES): void {
  const pieces = fitting(page.items, maxBytes - 1024);
  const nextCursor = pieces.length < page.items.length ? cursorAfter(page.items[pieces.length - 1]!) : page.next_cursor;
  res.type('application/json').send(`{"items":[${pieces.join(',')}]${nextCursor === undefined ? '' : `,"next_cursor":${JSON.stringify(nextCursor)}`}}`);
}

/** The JSON of the leading items that fit `maxBytes` as an array; at least one. */
function fitting(items: readonly unknown[], maxBytes: number): string[] {
  const pieces: string[] = [];
  let bytes = 2;
  for (const item of items) {
    const piece = JSON.stringify(item);
    const size = Buffer.byteLength(piece) + (pieces.length > 0 ? 1 : 0);
    if (pieces.length > 0 && bytes + size > maxBytes) break;
    pieces.push(piece);
    bytes += size;
  }
  return pieces;
}
