/** A list cursor that this store did not hand out, or one that was tampered with. */
export class InvalidCursorError extends Error {
  override readonly name = 'InvalidCursorError';
}

/** Where a page ends: the last item's sort key, newest first by (created_at, id). */
export interface CursorPosition {
  created_at: string;
  id: string;
}

/** An opaque, URL-safe cursor for the position after `last`. */
export function encodeCursor(last: CursorPosition): string {
  return Buffer.from(JSON.stringify([last.created_at, last.id])).toString('base64url');
}

export function decodeCursor(cursor: string): CursorPosition {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(parsed) && parsed.length === 2 && typeof parsed[0] === 'string' && typeof parsed[1] === 'string') {
      return { created_at: parsed[0], id: parsed[1] };
    }
  } catch {
    // Reported below like any other cursor of the wrong shape.
  }
  throw new InvalidCursorError('cursor is not one this api handed out');
}

/** Where an item sits in a newest-first list (the `positionOf` of a list-page.ts query). */
export function positionOf(item: CursorPosition): CursorPosition {
  return { created_at: item.created_at, id: item.id };
}

/** The cursor of the page that goes on after `item`, for an api that sends only part of a page. */
export function entityCursorAfter(item: CursorPosition): string {
  return encodeCursor({ created_at: item.created_at, id: item.id });
}

/**
 * A page from up to `limit + 1` items read newest first: the extra one, when there, only says
 * that a next page exists, and the cursor points after the page's last item.
 */
export function pageOf<T extends CursorPosition>(items: T[], limit: number, sortable: (createdAt: string) => string = (t) => t): { items: T[]; next_cursor?: string } {
  if (items.length <= limit) return { items };
  const page = items.slice(0, limit);
  const last = page[limit - 1]!;
  return { items: page, next_cursor: encodeCursor({ created_at: sortable(last.created_at), id: last.id }) };
}
