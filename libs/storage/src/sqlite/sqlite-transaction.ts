import type { DatabaseSync } from 'node:sqlite';
import { setTimeout as sleep } from 'node:timers/promises';

/** SQLITE_BUSY and SQLITE_LOCKED; extended codes (e.g. SQLITE_BUSY_SNAPSHOT) share the low byte. */
const RETRYABLE_PRIMARY_CODES = new Set([5, 6]);

/** True for the "database is locked" family of errors, which another attempt may not hit. */
export function isBusyError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, errcode } = error as { code?: unknown; errcode?: unknown };
  return code === 'ERR_SQLITE_ERROR' && typeof errcode === 'number' && RETRYABLE_PRIMARY_CODES.has(errcode & 0xff);
}

/**
 * Runs `work` inside `BEGIN IMMEDIATE ... COMMIT`, rolling back when it throws.
 *
 * IMMEDIATE takes the write lock up front: a deferred transaction that reads first and then
 * writes can be refused with SQLITE_BUSY without the busy timeout ever being honoured, and
 * another process may have changed the row between our read and our write. `work` must be
 * synchronous, so nothing else on this connection can run in the middle of the transaction.
 */
export function runImmediate<T>(db: DatabaseSync, work: () => T): T {
  db.exec('BEGIN IMMEDIATE');
  try {
    const result = work();
    db.exec('COMMIT');
    return result;
  } catch (error) {
    if (db.isTransaction) db.exec('ROLLBACK');
    throw error;
  }
}

/**
 * Calls `work` again, after a short random pause, while it fails with SQLITE_BUSY.
 *
 * The busy timeout already makes SQLite wait for a lock; this covers the cases where SQLite
 * gives up without waiting (a fresh file being switched to WAL by another process, WAL
 * recovery) or where a writer held the lock longer than the timeout.
 */
export async function withBusyRetry<T>(work: () => T, attempts = 8): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return work();
    } catch (error) {
      if (!isBusyError(error) || attempt >= attempts) throw error;
      // Random pauses keep processes that collided once from colliding again in lockstep.
      await sleep(10 * attempt + Math.floor(Math.random() * 40));
    }
  }
}
