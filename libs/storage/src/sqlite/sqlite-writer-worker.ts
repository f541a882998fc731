/*
 * The worker thread of SqliteWriter (sqlite-writer.ts): its own connection to the file, and one
 * `BEGIN IMMEDIATE ... COMMIT` per request. SQLite's busy wait and the commit's checkpoint happen
 * here, where they stop nothing but this thread.
 */
import { DatabaseSync, type SQLInputValue, type StatementSync } from 'node:sqlite';
import { parentPort, workerData } from 'node:worker_threads';
import type { WriteGroup, WriterReply, WriterRequest } from './sqlite-writer.ts';

const { path, busyTimeoutMs } = workerData as { path: string; busyTimeoutMs: number };
const db = new DatabaseSync(path, { timeout: busyTimeoutMs });
const statements = new Map<string, StatementSync>();

function statement(sql: string): StatementSync {
  let prepared = statements.get(sql);
  if (prepared === undefined) {
    prepared = db.prepare(sql);
    statements.set(sql, prepared);
  }
  return prepared;
}

/** Each group's first statement decides: the others run only when it changed a row. */
function runGroups(groups: readonly WriteGroup[]): number[] {
  db.exec('BEGIN IMMEDIATE');
  try {
    const changes = groups.map(({ head, dependents }) => {
      const changed = Number(statement(head.sql).run(...(head.params as SQLInputValue[])).changes);
      if (changed > 0) for (const dependent of dependents) statement(dependent.sql).run(...(dependent.params as SQLInputValue[]));
      return changed;
    });
    db.exec('COMMIT');
    return changes;
  } catch (error) {
    if (db.isTransaction) db.exec('ROLLBACK');
    throw error;
  }
}

parentPort!.on('message', ({ id, groups }: WriterRequest) => {
  let reply: WriterReply;
  try {
    reply = { id, changes: runGroups(groups) };
  } catch (error) {
    const { message, code, errcode } = error as { message?: unknown; code?: unknown; errcode?: unknown };
    reply = { id, error: { message: String(message ?? error), code, errcode } };
  }
  parentPort!.postMessage(reply);
});
