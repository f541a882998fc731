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
 * Runs `work` as one unit: inside a transaction (a grouped write's) it is undone alone when it throws, and on its
 * own it is a transaction of its own. For a grouped write of more than one statement, which would otherwise be
 * committed statement by statement when it is alone in its group, and half kept when a later statement fails.
 */
export function asOneWrite<T>(db: DatabaseSync, work: () => T): T {
  db.exec('SAVEPOINT one_write');
  try {
    const result = work();
    db.exec('RELEASE one_write');
    return result;
  } catch (error) {
    if (db.isTransaction) {
      db.exec('ROLLBACK TO one_write');
      db.exec('RELEASE one_write');
    }
    throw error;
  }
}

/** How long a write waits for another process's lock, unless the connection says otherwise. */
export const DEFAULT_BUSY_TIMEOUT_MS = 5000;

/**
 * SQLite's own busy wait sleeps inside the call: node:sqlite is synchronous, so it would stop
 * the whole event loop (AMQP heartbeats, probes, every other message) for as long as another
 * process holds the lock. An engine and an executor sharing a file take the lock in turns
 * hundreds of times a second, each for well under a millisecond, so the wait is kept to about
 * two milliseconds; the rest of the wait is async.
 */
export const SYNC_BUSY_WAIT_MS = 2;

const budgets = new WeakMap<DatabaseSync, number>();

/** Sets how long writes on this connection may wait, in all, for another process's lock. */
export function setBusyBudget(db: DatabaseSync, budgetMs: number): void {
  budgets.set(db, budgetMs);
}

/**
 * Calls `work` again, after a short async pause, while it fails with SQLITE_BUSY, until the
 * connection's budget ({@link setBusyBudget}) is spent; then the error goes to the caller
 * (a worker's message is retried through the broker).
 */
export async function withBusyRetry<T>(db: DatabaseSync, work: () => T): Promise<T> {
  const deadline = Date.now() + (budgets.get(db) ?? DEFAULT_BUSY_TIMEOUT_MS);
  for (let attempt = 1; ; attempt++) {
    try {
      return work();
    } catch (error) {
      if (!isBusyError(error) || Date.now() >= deadline) throw error;
      // Random pauses keep processes that collided once from colliding again in lockstep. The first
      // few are short: another worker's transaction is over in well under a millisecond.
      await sleep(attempt <= 3 ? 1 + Math.floor(Math.random() * 3) : Math.min(5 * attempt, 50) + Math.floor(Math.random() * 10));
    }
  }
}

interface GroupedWrite {
  work: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

const groups = new WeakMap<DatabaseSync, GroupedWrite[]>();

/**
 * Runs a one-statement write together with the other such writes asked for on this connection in
 * the same turn of the event loop, in one transaction: a commit is most of what a small write costs,
 * and an executor running a batch of commands asks for one insert per command at once. Nothing waits
 * for more writes to come. A write that fails (a constraint, say) fails alone; SQLite undoes only
 * that statement. `work` must be synchronous.
 */
export function groupedWrite<T>(db: DatabaseSync, work: () => T): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let group = groups.get(db);
    if (group === undefined) {
      group = [];
      groups.set(db, group);
      setImmediate(() => void flushGroup(db));
    }
    group.push({ work, resolve: resolve as (value: unknown) => void, reject });
  });
}

async function flushGroup(db: DatabaseSync): Promise<void> {
  const group = groups.get(db) ?? [];
  groups.delete(db);
  const outcomes: Array<{ ok: true; value: unknown } | { ok: false; error: unknown }> = [];
  try {
    await withBusyRetry(db, () => {
      outcomes.length = 0;
      const each = () => {
        for (const { work } of group) {
          try {
            outcomes.push({ ok: true, value: work() });
          } catch (error) {
            outcomes.push({ ok: false, error });
          }
        }
      };
      if (group.length === 1) each();
      else runImmediate(db, each);
      // A lock refused to a lone write is retried like any other.
      const first = outcomes[0];
      if (group.length === 1 && first && !first.ok && isBusyError(first.error)) throw first.error;
    });
  } catch (error) {
    for (const { reject } of group) reject(error);
    return;
  }
  group.forEach(({ resolve, reject }, index) => {
    const outcome = outcomes[index]!;
    if (outcome.ok) resolve(outcome.value);
    else reject(outcome.error);
  });
}
