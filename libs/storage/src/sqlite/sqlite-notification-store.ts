import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { ListOptions, Notification, Page, TenantId } from '@flowline/contracts';
import type { NotificationStore, ResultWithEffect } from '../ports.ts';
import { assertSameTenant } from '../tenant-guard.ts';
import { docOf, sortableTime } from './sqlite-row.ts';
import { sqlitePruner } from './sqlite-prune.ts';
import { sqliteTenantPages } from './sqlite-tenant-pages.ts';
import type { ResultWriter } from './sqlite-execution-store.ts';
import { groupedWrite, runImmediate, withBusyRetry } from './sqlite-transaction.ts';

/** The notification outbox in the `notifications` table. */
export class SqliteNotificationStore implements NotificationStore {
  readonly #db: DatabaseSync;
  readonly #insertIfAbsent: StatementSync;
  readonly #get: StatementSync;
  readonly #update: StatementSync;
  readonly #page: (tenant: TenantId, page: ListOptions) => Promise<Page<Notification>>;

  /** Deletes the oldest notifications written before a cut-off (retention). */
  readonly pruneBefore: (before: Date, limit: number) => Promise<number>;

  readonly #results: ResultWriter;

  /** `results` writes an action's result with its effect (ResultWithEffect). */
  constructor(db: DatabaseSync, results: ResultWriter) {
    this.#db = db;
    this.#results = results;
    this.pruneBefore = sqlitePruner(db, 'notifications', 'created_at');
    this.#insertIfAbsent = db.prepare(
      'INSERT INTO notifications (tenant_id, id, created_at, doc) VALUES (?, ?, ?, ?) ON CONFLICT (tenant_id, id) DO NOTHING',
    );
    this.#get = db.prepare('SELECT doc FROM notifications WHERE tenant_id = ? AND id = ?');
    this.#update = db.prepare('UPDATE notifications SET doc = ? WHERE tenant_id = ? AND id = ?');
    this.#page = sqliteTenantPages<Notification>(db, 'notifications');
  }

  async insertIfAbsent(tenant: TenantId, notification: Notification, result?: ResultWithEffect): Promise<boolean> {
    assertSameTenant(tenant, notification);
    const insert = () => this.#insertIfAbsent.run(tenant, String(notification.id), sortableTime(notification.created_at), JSON.stringify(notification));
    // Grouped: the inserts of commands handled at once (and their results) share one commit.
    const { changes } = await groupedWrite(this.#db, () => this.#results.withEffect(insert, tenant, result));
    return Number(changes) > 0;
  }

  async get(tenant: TenantId, notificationId: string): Promise<Notification | null> {
    return docOf<Notification>(this.#get.get(tenant, String(notificationId)));
  }

  /** Does nothing when the tenant has no such notification. */
  async setEmailStatus(tenant: TenantId, notificationId: string, status: Notification['email_status'], error?: string): Promise<void> {
    const id = String(notificationId);
    // Under one write lock, so a status written by another process between our read and our
    // write cannot be overwritten with a stale copy of the rest of the document.
    await withBusyRetry(this.#db, () =>
      runImmediate(this.#db, () => {
        const notification = docOf<Notification>(this.#get.get(tenant, id));
        if (notification === null) return;
        notification.email_status = status;
        // An error belongs to the status it came with; a later success must not keep it.
        if (error === undefined) delete notification.email_error;
        else notification.email_error = error;
        this.#update.run(JSON.stringify(notification), tenant, id);
      }),
    );
  }

  list(tenant: TenantId, page: ListOptions): Promise<Page<Notification>> {
    return this.#page(tenant, page);
  }
}
