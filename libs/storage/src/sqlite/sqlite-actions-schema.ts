import type { DatabaseSync } from 'node:sqlite';
import { createTablesOnce } from './sqlite-modules-schema.ts';

/*
 * Tables of the scheduled actions and webhooks, kept apart like the modules' tables.
 * `due_ms` and `lease_until` are epoch milliseconds.
 */
const ACTIONS_SCHEMA = `
CREATE TABLE IF NOT EXISTS scheduled_actions (
  tenant_id   TEXT    NOT NULL,
  id          TEXT    NOT NULL,
  due_ms      INTEGER NOT NULL,
  state       TEXT    NOT NULL,
  lease_owner TEXT,
  lease_until INTEGER NOT NULL DEFAULT 0,
  doc         TEXT    NOT NULL,
  PRIMARY KEY (tenant_id, id)
);
CREATE INDEX IF NOT EXISTS scheduled_due ON scheduled_actions (state, due_ms);
CREATE INDEX IF NOT EXISTS scheduled_by_tenant ON scheduled_actions (tenant_id, state, due_ms, id);

CREATE TABLE IF NOT EXISTS webhook_secrets (
  tenant_id TEXT PRIMARY KEY,
  doc       TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS webhook_deliveries (
  tenant_id TEXT NOT NULL,
  id        TEXT NOT NULL,
  doc       TEXT NOT NULL,
  PRIMARY KEY (tenant_id, id)
);
`;

/** Creates the tables when missing; safe for several processes opening one file. */
export function migrateActions(db: DatabaseSync): void {
  createTablesOnce(db, 'webhook_deliveries', ACTIONS_SCHEMA);
}
