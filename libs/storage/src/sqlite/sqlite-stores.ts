import type { DatabaseSync } from 'node:sqlite';
import type { Stores } from '../ports.ts';
import { openSqliteDatabase } from './open-sqlite.ts';
import { SqliteAuditStore } from './sqlite-audit-store.ts';
import { SqliteEntityStore } from './sqlite-entity-store.ts';
import { SqliteExecutionStore } from './sqlite-execution-store.ts';
import { SqliteNotificationStore } from './sqlite-notification-store.ts';
import { SqliteOutboxStore } from './sqlite-outbox-store.ts';
import { SqliteRuleStore } from './sqlite-rule-store.ts';
import { SqliteScheduleStore } from './sqlite-schedule-store.ts';
import { SqliteSettingsStore } from './sqlite-settings-store.ts';
import { SqliteTaskStore } from './sqlite-task-store.ts';
import { SqliteWebhookStore } from './sqlite-webhook-store.ts';

/** All stores over one SQLite connection. */
export class SqliteStores implements Stores {
  readonly kind = 'sqlite';
  readonly rules: SqliteRuleStore;
  readonly executions: SqliteExecutionStore;
  readonly notifications: SqliteNotificationStore;
  readonly tasks: SqliteTaskStore;
  readonly entities: SqliteEntityStore;
  readonly outbox: SqliteOutboxStore;
  readonly settings: SqliteSettingsStore;
  readonly audit: SqliteAuditStore;
  readonly schedule: SqliteScheduleStore;
  readonly webhooks: SqliteWebhookStore;
  readonly #db: DatabaseSync;

  constructor(db: DatabaseSync) {
    this.#db = db;
    this.audit = new SqliteAuditStore(db);
    this.rules = new SqliteRuleStore(db, this.audit);
    this.executions = new SqliteExecutionStore(db);
    this.notifications = new SqliteNotificationStore(db);
    this.tasks = new SqliteTaskStore(db);
    this.entities = new SqliteEntityStore(db);
    this.outbox = new SqliteOutboxStore(db);
    this.settings = new SqliteSettingsStore(db);
    this.schedule = new SqliteScheduleStore(db);
    this.webhooks = new SqliteWebhookStore(db);
  }

  async ping(): Promise<void> {
    this.#db.prepare('SELECT 1').get();
  }

  /** Safe to call more than once. */
  async close(): Promise<void> {
    if (this.#db.isOpen) this.#db.close();
  }
}

/**
 * Opens the stores on the SQLite file at `path` (created with its parent directory when
 * missing; `':memory:'` for a private in-memory database). The file may be shared by
 * several processes at once.
 */
export async function openSqliteStores(path: string, options: { busyTimeoutMs?: number } = {}): Promise<Stores> {
  return new SqliteStores(await openSqliteDatabase(path, options.busyTimeoutMs));
}
