import type { Page } from '@flowline/contracts';
import { InvalidCursorError } from './entity-cursor.ts';

/*
 * A rule's versions page by version number, newest first: their `created_at` comes from the
 * clocks of whichever processes made the changes, the version number never goes backwards.
 */

/** Where a page of versions ends: the last version number on it. */
export function encodeVersionCursor(version: number): string {
  return Buffer.from(JSON.stringify(['v', version])).toString('base64url');
}

export function decodeVersionCursor(cursor: string): number {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(parsed) && parsed.length === 2 && parsed[0] === 'v' && Number.isSafeInteger(parsed[1]) && (parsed[1] as number) > 0) {
      return parsed[1] as number;
    }
  } catch {
    // Reported below like any other cursor of the wrong shape.
  }
  throw new InvalidCursorError('cursor is not one this api handed out');
}

/** The cursor of the page that goes on after `item`, for an api that sends only part of a page. */
export function versionCursorAfter(item: { version: number }): string {
  return encodeVersionCursor(item.version);
}

/** A page from up to `limit + 1` versions read newest first; the extra one only says that a next page exists. */
export function versionPageOf<T extends { version: number }>(items: T[], limit: number): Page<T> {
  if (items.length <= limit) return { items };
  const page = items.slice(0, limit);
  return { items: page, next_cursor: encodeVersionCursor(page[limit - 1]!.version) };
}
