import { InvalidCursorError } from './entity-cursor.ts';

/** Where a page of scheduled items ends: the last item's (due time in ms, id). */
export function encodeScheduleCursor(dueMs: number, id: string): string {
  return Buffer.from(JSON.stringify([dueMs, id])).toString('base64url');
}

export function decodeScheduleCursor(cursor: string): { dueMs: number; id: string } {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(parsed) && parsed.length === 2 && Number.isSafeInteger(parsed[0]) && typeof parsed[1] === 'string') {
      return { dueMs: parsed[0] as number, id: parsed[1] };
    }
  } catch {
    // Reported below like any other cursor of the wrong shape.
  }
  throw new InvalidCursorError('cursor is not one this api handed out');
}

/** The due time of an item, in epoch milliseconds, as both stores index it. */
export function dueMsOf(runAt: string): number {
  const ms = Date.parse(runAt);
  if (!Number.isFinite(ms)) throw new RangeError(`run_at is not a time: ${runAt}`);
  return ms;
}

/** The cursor of the page that goes on after `item`, for an api that sends only part of a page. */
export function scheduleCursorAfter(item: { run_at: string; id: string }): string {
  return encodeScheduleCursor(dueMsOf(item.run_at), item.id);
}
