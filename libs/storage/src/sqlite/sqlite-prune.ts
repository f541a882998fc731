import type { DatabaseSync } from 'node:sqlite';
import { checkedLimit } from '../list-limit.ts';
import { withBusyRetry } from './sqlite-transaction.ts';

/**
 * `pruneBefore` for a table whose `column` holds ISO-8601 UTC text (created_at, sent_at): one
 * short DELETE of the oldest `limit` rows, on an index of that column. NULLs (an outbox row not
 * yet sent) never match.
 */
export function sqlitePruner(db: DatabaseSync, table: 'executions' | 'events' | 'notifications' | 'tasks' | 'outbox', column: 'created_at' | 'received_at' | 'sent_at') {
  const statement = db.prepare(`DELETE FROM ${table} WHERE rowid IN (SELECT rowid FROM ${table} WHERE ${column} < ? ORDER BY ${column} LIMIT ?)`);
  return async (before: Date, limit: number): Promise<number> => {
    const { changes } = await withBusyRetry(db, () => statement.run(before.toISOString(), checkedLimit(limit)));
    return Number(changes);
  };
}
