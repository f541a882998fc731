import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { migrateActions } from './sqlite-actions-schema.ts';
import { migrateModules } from './sqlite-modules-schema.ts';
import { DEFAULT_BUSY_TIMEOUT_MS, runImmediate, setBusyBudget, SYNC_BUSY_WAIT_MS, withBusyRetry } from './sqlite-transaction.ts';

/**
 * Bumped whenever SCHEMA changes; recorded in `PRAGMA user_version`. A file at an older
 * version runs the whole script again, which is why every statement is idempotent.
 * 2: list indexes end in (created_at, id), so newest-first queries read in index order.
 * 3: rule_versions and audit_log.
 * 4: indexes on created_at alone, for retention's deletes across tenants.
 * 5: the event log (`events`), action results by command (`action_results`), and executions
 *    carry trigger_id and outcome for filtering (added to an older table by addColumns).
 */
const SCHEMA_VERSION = 5;

/*
 * `created_at` columns hold the UTC form of the document's created_at (see sortableTime), so
 * that ORDER BY created_at is chronological even when documents differ in offset or precision.
 */
const SCHEMA = `
CREATE TABLE IF NOT EXISTS rules (
  tenant_id   TEXT    NOT NULL,
  id          TEXT    NOT NULL,
  module_type TEXT    NOT NULL,
  trigger_id  TEXT    NOT NULL,
  is_active   INTEGER NOT NULL,
  created_at  TEXT    NOT NULL,
  doc         TEXT    NOT NULL,
  PRIMARY KEY (tenant_id, id)
);
DROP INDEX IF EXISTS rules_by_trigger;
CREATE INDEX IF NOT EXISTS rules_by_trigger_v2 ON rules (tenant_id, trigger_id, is_active, created_at, id);
DROP INDEX IF EXISTS rules_by_created;
CREATE INDEX IF NOT EXISTS rules_by_created_v2 ON rules (tenant_id, created_at, id);

CREATE TABLE IF NOT EXISTS executions (
  tenant_id  TEXT NOT NULL,
  id         TEXT NOT NULL,
  rule_id    TEXT NOT NULL,
  event_id   TEXT NOT NULL,
  created_at TEXT NOT NULL,
  doc        TEXT NOT NULL,
  PRIMARY KEY (tenant_id, id)
);
DROP INDEX IF EXISTS executions_by_rule;
CREATE INDEX IF NOT EXISTS executions_by_rule_v2 ON executions (tenant_id, rule_id, created_at, id);
CREATE INDEX IF NOT EXISTS executions_by_event ON executions (tenant_id, event_id);
DROP INDEX IF EXISTS executions_by_created;
CREATE INDEX IF NOT EXISTS executions_by_created_v2 ON executions (tenant_id, created_at, id);

CREATE TABLE IF NOT EXISTS events (
  tenant_id   TEXT NOT NULL,
  id          TEXT NOT NULL,
  type        TEXT NOT NULL,
  status      TEXT NOT NULL,
  received_at TEXT NOT NULL,
  doc         TEXT NOT NULL,
  PRIMARY KEY (tenant_id, id)
);
CREATE INDEX IF NOT EXISTS events_by_received ON events (tenant_id, received_at, id);
CREATE INDEX IF NOT EXISTS events_by_received_at ON events (received_at);

CREATE TABLE IF NOT EXISTS action_results (
  tenant_id    TEXT NOT NULL,
  command_id   TEXT NOT NULL,
  execution_id TEXT NOT NULL,
  doc          TEXT NOT NULL,
  PRIMARY KEY (tenant_id, command_id)
);
CREATE INDEX IF NOT EXISTS action_results_by_execution ON action_results (tenant_id, execution_id);

CREATE TABLE IF NOT EXISTS notifications (
  tenant_id  TEXT NOT NULL,
  id         TEXT NOT NULL,
  created_at TEXT NOT NULL,
  doc        TEXT NOT NULL,
  PRIMARY KEY (tenant_id, id)
);
DROP INDEX IF EXISTS notifications_by_created;
CREATE INDEX IF NOT EXISTS notifications_by_created_v2 ON notifications (tenant_id, created_at, id);

CREATE TABLE IF NOT EXISTS tasks (
  tenant_id  TEXT NOT NULL,
  id         TEXT NOT NULL,
  created_at TEXT NOT NULL,
  doc        TEXT NOT NULL,
  PRIMARY KEY (tenant_id, id)
);
DROP INDEX IF EXISTS tasks_by_created;
CREATE INDEX IF NOT EXISTS tasks_by_created_v2 ON tasks (tenant_id, created_at, id);

CREATE TABLE IF NOT EXISTS rule_versions (
  tenant_id TEXT    NOT NULL,
  rule_id   TEXT    NOT NULL,
  version   INTEGER NOT NULL,
  doc       TEXT    NOT NULL,
  PRIMARY KEY (tenant_id, rule_id, version)
);

CREATE TABLE IF NOT EXISTS audit_log (
  tenant_id  TEXT NOT NULL,
  id         TEXT NOT NULL,
  created_at TEXT NOT NULL,
  doc        TEXT NOT NULL,
  PRIMARY KEY (tenant_id, id)
);
CREATE INDEX IF NOT EXISTS audit_log_by_created ON audit_log (tenant_id, created_at, id);

CREATE INDEX IF NOT EXISTS executions_by_age ON executions (created_at);
CREATE INDEX IF NOT EXISTS notifications_by_age ON notifications (created_at);
CREATE INDEX IF NOT EXISTS tasks_by_age ON tasks (created_at);
`;

/**
 * Opens (creating when missing) the SQLite database at `path`, or an in-memory one for
 * `':memory:'`, and brings its schema up to date.
 *
 * Several processes (api, engines, executors) open the same file at once, so every step is
 * idempotent and retried while another process holds the lock: WAL lets readers run
 * alongside the single writer, and the schema is created inside `BEGIN IMMEDIATE` so two
 * processes opening a fresh file never both try to build it.
 */
export async function openSqliteDatabase(path: string, busyTimeoutMs = DEFAULT_BUSY_TIMEOUT_MS): Promise<DatabaseSync> {
  const inMemory = path === ':memory:' || path === '';
  if (!inMemory) mkdirSync(dirname(path), { recursive: true });

  // A short synchronous busy wait; withBusyRetry waits out the rest of the budget asynchronously.
  const db = new DatabaseSync(path, { timeout: Math.min(Math.max(0, Math.floor(busyTimeoutMs)), SYNC_BUSY_WAIT_MS) });
  setBusyBudget(db, busyTimeoutMs);
  try {
    // Before the first table exists, so that a new file can hand pruned pages back to the file
    // system (PRAGMA incremental_vacuum, after each prune). An older file keeps reusing its free
    // pages instead; `flowline prune --vacuum` converts it once.
    await withBusyRetry(db, () => db.exec('PRAGMA auto_vacuum = INCREMENTAL'));
    // Switching a fresh file to WAL needs a lock another process may hold for a moment.
    await withBusyRetry(db, () => db.exec('PRAGMA journal_mode = WAL'));
    // Safe with WAL: a power cut may lose the last commits but never corrupts the file.
    db.exec('PRAGMA synchronous = NORMAL');
    await withBusyRetry(db, () => migrate(db));
    await withBusyRetry(db, () => migrateModules(db));
    await withBusyRetry(db, () => migrateActions(db));
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

function migrate(db: DatabaseSync): void {
  // Most opens find the schema in place; checking first avoids queueing for the write lock.
  if (schemaVersion(db) >= SCHEMA_VERSION) return;
  runImmediate(db, () => {
    // Checked again under the lock: another process may have migrated since the check above.
    if (schemaVersion(db) >= SCHEMA_VERSION) return;
    db.exec(SCHEMA);
    addColumns(db, 'executions', { trigger_id: "TEXT NOT NULL DEFAULT ''", outcome: "TEXT NOT NULL DEFAULT ''" });
    db.exec(`PRAGMA user_version = ${SCHEMA_VERSION}`);
  });
}

/** ALTER TABLE has no IF NOT EXISTS for columns: adds those the table lacks. */
function addColumns(db: DatabaseSync, table: string, columns: Record<string, string>): void {
  const present = new Set(db.prepare(`PRAGMA table_info(${table})`).all().map((row) => String(row['name'])));
  for (const [name, definition] of Object.entries(columns)) {
    if (!present.has(name)) db.exec(`ALTER TABLE ${table} ADD COLUMN ${name} ${definition}`);
  }
}

function schemaVersion(db: DatabaseSync): number {
  const row = db.prepare('PRAGMA user_version').get();
  return Number(row?.['user_version'] ?? 0);
}
