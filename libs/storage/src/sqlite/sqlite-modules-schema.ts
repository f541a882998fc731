import type { DatabaseSync } from 'node:sqlite';
import { runImmediate } from './sqlite-transaction.ts';

/*
 * The management modules' tables, kept apart from the core schema so that both can grow
 * independently. `outbox.seq` gives publication order; `lease_until` is epoch milliseconds.
 */
const MODULES_SCHEMA = `
CREATE TABLE IF NOT EXISTS entities (
  tenant_id   TEXT    NOT NULL,
  entity_type TEXT    NOT NULL,
  id          TEXT    NOT NULL,
  version     INTEGER NOT NULL,
  created_at  TEXT    NOT NULL,
  doc         TEXT    NOT NULL,
  PRIMARY KEY (tenant_id, entity_type, id)
);
CREATE INDEX IF NOT EXISTS entities_by_created ON entities (tenant_id, entity_type, created_at, id);

CREATE TABLE IF NOT EXISTS outbox (
  seq         INTEGER PRIMARY KEY AUTOINCREMENT,
  tenant_id   TEXT    NOT NULL,
  id          TEXT    NOT NULL,
  event       TEXT    NOT NULL,
  lease_owner TEXT,
  lease_until INTEGER NOT NULL DEFAULT 0,
  sent_at     TEXT,
  UNIQUE (tenant_id, id)
);
CREATE INDEX IF NOT EXISTS outbox_unsent ON outbox (sent_at, seq);

CREATE TABLE IF NOT EXISTS automation_settings (
  tenant_id TEXT PRIMARY KEY,
  doc       TEXT NOT NULL
);
`;

/** Creates the modules' tables when missing; safe for several processes opening one file. */
export function migrateModules(db: DatabaseSync): void {
  createTablesOnce(db, 'outbox', MODULES_SCHEMA);
}

/**
 * Runs `script` unless table `marker` (which the script creates last or alongside) exists. The
 * check comes first and again under the write lock, so most opens never queue for that lock
 * and two processes opening a fresh file never both build it.
 */
export function createTablesOnce(db: DatabaseSync, marker: string, script: string): void {
  const exists = () => db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(marker) !== undefined;
  if (exists()) return;
  runImmediate(db, () => {
    if (!exists()) db.exec(script);
  });
}
