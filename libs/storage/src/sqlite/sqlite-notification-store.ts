import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { ListOptions, Notification, Page, TenantId } from '@flowline/contracts';
import { positionOf } from '../entity-cursor.ts';
import { readPage } from '../list-page.ts';
import type { NotificationStore } from '../ports.ts';
import { assertSameTenant } from '../tenant-guard.ts';
import { AFTER_POSITION, afterValues } from './sqlite-filters.ts';
import { docOf, docsOf, sortableTime } from './sqlite-row.ts';
import { sqlitePruner } from './sqlite-prune.ts';
import { groupedWrite, runImmediate, withBusyRetry } from './sqlite-transaction.ts';

/** The notification outbox in the `notifications` table. */
export class SqliteNotificationStore implements NotificationStore {
  readonly #db: DatabaseSync;
  readonly #insertIfAbsent: StatementSync;
  readonly #get: StatementSync;
  readonly #update: StatementSync;
  readonly #firstPage: StatementSync;
  readonly #nextPage: StatementSync;

  /** Deletes the oldest notifications written before a cut-off (retention). */
  readonly pruneBefore: (before: Date, limit: number) => Promise<number>;

  constructor(db: DatabaseSync) {
    this.#db = db;
    this.pruneBefore = sqlitePruner(db, 'notifications', 'created_at');
    this.#insertIfAbsent = db.prepare(
      'INSERT INTO notifications (tenant_id, id, created_at, doc) VALUES (?, ?, ?, ?) ON CONFLICT (tenant_id, id) DO NOTHING',
    );
    this.#get = db.prepare('SELECT doc FROM notifications WHERE tenant_id = ? AND id = ?');
    this.#update = db.prepare('UPDATE notifications SET doc = ? WHERE tenant_id = ? AND id = ?');
    this.#firstPage = db.prepare('SELECT doc FROM notifications WHERE tenant_id = ? ORDER BY created_at DESC, id DESC LIMIT ?');
    this.#nextPage = db.prepare(`SELECT doc FROM notifications WHERE tenant_id = ? AND ${AFTER_POSITION} ORDER BY created_at DESC, id DESC LIMIT ?`);
  }

  async insertIfAbsent(tenant: TenantId, notification: Notification): Promise<boolean> {
    assertSameTenant(tenant, notification);
    // Grouped: the inserts of commands handled at once share one commit.
    const { changes } = await groupedWrite(this.#db, () =>
      this.#insertIfAbsent.run(tenant, String(notification.id), sortableTime(notification.created_at), JSON.stringify(notification)),
    );
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

  async list(tenant: TenantId, page: ListOptions): Promise<Page<Notification>> {
    return readPage<Notification>({
      limit: page.limit,
      cursor: page.cursor,
      positionOf,
      fetch: async (after, count) =>
        docsOf<Notification>(after === undefined ? this.#firstPage.all(tenant, count) : this.#nextPage.all(tenant, ...afterValues(after), count)),
    });
  }
}
