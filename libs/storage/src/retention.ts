import type { Prunable, Stores } from './ports.ts';

/** Days each kind of row is kept; 0 keeps it for ever. Fractions allowed (tests, small disks). */
export interface RetentionPolicy {
  executions: number;
  notifications: number;
  tasks: number;
  /** Counted from the broker's confirmation; unsent rows are never pruned. */
  sentOutbox: number;
}

/**
 * Every kind of row that expires, with its store. A new store of expiring rows (event records)
 * adds its `pruneBefore` and one line here, and a field to RetentionPolicy.
 */
export const RETAINED: ReadonlyArray<{ kind: keyof RetentionPolicy; store: (stores: Stores) => Prunable }> = [
  { kind: 'executions', store: (stores) => stores.executions },
  { kind: 'notifications', store: (stores) => stores.notifications },
  { kind: 'tasks', store: (stores) => stores.tasks },
  { kind: 'sentOutbox', store: (stores) => stores.outbox },
];

const DAY_MS = 86_400_000;

export interface PruneOptions {
  /** @defaultValue the current time */
  now?: Date;
  /**
   * Rows per delete. Small, so that one statement holds SQLite's write lock only for a moment
   * and the engine's writes go in between batches.
   * @defaultValue 500
   */
  batchSize?: number;
  /** Called after each batch; the default waits a turn of the event loop so other work runs. */
  pause?: () => Promise<void>;
}

/** Deletes everything past retention, in batches, then gives the space back; returns the count per kind. */
export async function pruneExpired(stores: Stores, policy: RetentionPolicy, options: PruneOptions = {}): Promise<Record<keyof RetentionPolicy, number>> {
  const now = (options.now ?? new Date()).getTime();
  const batchSize = options.batchSize ?? 500;
  const pause = options.pause ?? (() => new Promise<void>((resolve) => setImmediate(resolve)));
  const deleted = { executions: 0, notifications: 0, tasks: 0, sentOutbox: 0 };
  for (const { kind, store } of RETAINED) {
    const days = policy[kind];
    if (!(days > 0)) continue;
    const before = new Date(now - days * DAY_MS);
    for (;;) {
      const count = await store(stores).pruneBefore(before, batchSize);
      deleted[kind] += count;
      await pause();
      if (count < batchSize) break;
    }
  }
  if (Object.values(deleted).some((count) => count > 0)) await stores.compact();
  return deleted;
}
