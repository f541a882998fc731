import type { DatabaseSync } from 'node:sqlite';
import type { Stores } from '../ports.ts';
import { openSqliteDatabase } from './open-sqlite.ts';
import { withBusyRetry } from './sqlite-transaction.ts';
import { SqliteAuditStore } from './sqlite-audit-store.ts';
import { SqliteEntityStore } from './sqlite-entity-store.ts';
import { SqliteEventStore } from './sqlite-event-store.ts';
import { SqliteExecutionStore } from './sqlite-execution-store.ts';
import { SqliteNotificationStore } from './sqlite-notification-store.ts';
import { SqliteOutboxStore } from './sqlite-outbox-store.ts';
import { SqliteRuleStore } from './sqlite-rule-store.ts';
import { SqliteScheduleStore } from './sqlite-schedule-store.ts';
import { SqliteSettingsStore } from './sqlite-settings-store.ts';
import { SqliteTaskStore } from './sqlite-task-store.ts';
import { SqliteWebhookStore } from './sqlite-webhook-store.ts';

/** Pages one incremental-vacuum step returns (4 KiB each). */
const COMPACT_PAGES = 256;

/** All stores over one SQLite connection. */
export class SqliteStores implements Stores {
  readonly kind = 'sqlite';
  readonly rules: SqliteRuleStore;
  readonly events: SqliteEventStore;
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
    this.events = new SqliteEventStore(db, this.executions);
    this.notifications = new SqliteNotificationStore(db, this.executions);
    this.tasks = new SqliteTaskStore(db, this.executions);
    this.entities = new SqliteEntityStore(db);
    this.outbox = new SqliteOutboxStore(db);
    this.settings = new SqliteSettingsStore(db);
    this.schedule = new SqliteScheduleStore(db);
    this.webhooks = new SqliteWebhookStore(db);
  }

  async ping(): Promise<void> {
    this.#db.prepare('SELECT 1').get();
  }

  /**
   * Hands the free pages of pruned rows back to the file system, a few at a time so that no
   * single step holds the write lock for long (a no-op for a file without incremental
   * auto-vacuum; see {@link vacuum}).
   */
  async compact(): Promise<void> {
    if (!this.#incremental()) return;
    while (Number(this.#db.prepare('PRAGMA freelist_count').get()?.['freelist_count'] ?? 0) > 0) {
      await withBusyRetry(this.#db, () => this.#db.exec(`PRAGMA incremental_vacuum(${COMPACT_PAGES})`));
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    // The shrink reaches the file only at a checkpoint; PASSIVE never waits for readers.
    this.#db.exec('PRAGMA wal_checkpoint(PASSIVE)');
  }

  /**
   * Rewrites the whole file with incremental auto-vacuum on: once, for a file created before
   * Flowline set it. Needs a moment of exclusive access and as much free disk as the file.
   */
  async vacuum(): Promise<void> {
    if (this.#incremental()) return;
    this.#db.exec('PRAGMA auto_vacuum = INCREMENTAL');
    await withBusyRetry(this.#db, () => this.#db.exec('VACUUM'));
  }

  #incremental(): boolean {
    return Number(this.#db.prepare('PRAGMA auto_vacuum').get()?.['auto_vacuum']) === 2;
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
