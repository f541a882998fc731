import type { Request, Response } from 'express';
import type { Page } from '@flowline/contracts';

/** The most one list response may take; items past it go to the next page (see {@link sendPage}). */
export const MAX_LIST_RESPONSE_BYTES = 4 * 1024 * 1024;
/** On the deprecated array answer only, which has no `next_cursor`: `<sent>/<read>` when items were left out for size. */
export const TRUNCATED_HEADER = 'x-flowline-truncated';

/**
 * Sends a cursor page `{items, next_cursor?}` within `maxBytes`: when the items do not all fit,
 * fewer are sent and `next_cursor` continues right after the last one sent, so nothing is skipped.
 */
export function sendPage<T>(res: Response, page: { items: readonly T[]; next_cursor?: string }, cursorAfter: (item: T) => string, maxBytes = MAX_LIST_RESPONSE_BYTES): void {
  const { pieces, nextCursor } = fittingPage(page, cursorAfter, maxBytes - 1024);
  res.type('application/json').send(`{"items":[${pieces.join(',')}]${nextCursor === undefined ? '' : `,"next_cursor":${JSON.stringify(nextCursor)}`}}`);
}

/** RFC 9745: the array answer has been deprecated since 2026-11-30T00:00:00Z (`@` epoch seconds). */
export const ARRAY_SHAPE_DEPRECATED_SINCE = '@1795996800';
/** Where the deprecation is explained: the api reference this process serves (the `shape` parameter). */
const ARRAY_SHAPE_DOCS = '/docs';

/**
 * Sends a list that answered a bare JSON array before it answered pages. Its page as
 * {@link sendPage} does; with `shape=array`, kept for one deprecation period, the page's items
 * as that old array, marked with `Deprecation` and a `Link` to the reference (`rel="deprecation"`)
 * and, when there is more, to the next page (`rel="next"`, same query with its `cursor`).
 */
export function sendListPage<T>(req: Request, res: Response, page: Page<T>, cursorAfter: (item: T) => string, shape: 'array' | undefined, maxBytes = MAX_LIST_RESPONSE_BYTES): void {
  if (shape !== 'array') return sendPage(res, page, cursorAfter, maxBytes);
  const { pieces, nextCursor } = fittingPage(page, cursorAfter, maxBytes);
  const links = [`<${ARRAY_SHAPE_DOCS}>; rel="deprecation"; type="text/html"`];
  if (nextCursor !== undefined) links.push(`<${nextPageUrl(req, nextCursor)}>; rel="next"`);
  res.setHeader('deprecation', ARRAY_SHAPE_DEPRECATED_SINCE);
  res.setHeader('link', links.join(', '));
  if (pieces.length < page.items.length) res.setHeader(TRUNCATED_HEADER, `${pieces.length}/${page.items.length}`);
  res.type('application/json').send(`[${pieces.join(',')}]`);
}

/** The request's own path and query with `cursor` set to `cursor`. */
function nextPageUrl(req: Request, cursor: string): string {
  const url = new URL(req.originalUrl, 'http://flowline.invalid');
  url.searchParams.set('cursor', cursor);
  return `${url.pathname}${url.search}`;
}

/** The items of `page` that fit `maxBytes`, and the cursor after the last of them when any were left out. */
function fittingPage<T>(page: { items: readonly T[]; next_cursor?: string | undefined }, cursorAfter: (item: T) => string, maxBytes: number): { pieces: string[]; nextCursor: string | undefined } {
  const pieces = fitting(page.items, maxBytes);
  return { pieces, nextCursor: pieces.length < page.items.length ? cursorAfter(page.items[pieces.length - 1]!) : page.next_cursor };
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
