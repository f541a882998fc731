import type { Collection, Document, Filter, UpdateFilter } from 'mongodb';
import type { ListOptions, Notification, Page, TenantId } from '@flowline/contracts';
import { positionOf } from '../entity-cursor.ts';
import { readPage } from '../list-page.ts';
import type { NotificationStore } from '../ports.ts';
import { assertSameTenant } from '../tenant-guard.ts';
import { NEWEST_FIRST, WITHOUT_ID } from './mongo-collections.ts';
import { isDuplicateKeyError } from './mongo-errors.ts';
import { afterPosition } from './mongo-execution-store.ts';
import { createdBefore, mongoPruner, STORED_AT } from './mongo-retention.ts';

/** The notification outbox in the `notifications` collection; filter values are coerced as in MongoRuleStore. */
export class MongoNotificationStore implements NotificationStore {
  readonly #notifications: Collection<Document>;

  /** Deletes the oldest notifications created before a cut-off (`flowline prune`; a TTL index does it periodically). */
  readonly pruneBefore: (before: Date, limit: number) => Promise<number>;

  constructor(notifications: Collection<Document>) {
    this.#notifications = notifications;
    this.pruneBefore = mongoPruner(notifications, 'created_at', createdBefore);
  }

  async insertIfAbsent(tenant: TenantId, notification: Notification): Promise<boolean> {
    assertSameTenant(tenant, notification);
    try {
      // A copy, because insertOne adds an _id to the object it is given.
      await this.#notifications.insertOne({ ...notification, [STORED_AT]: new Date() });
      return true;
    } catch (error) {
      if (isDuplicateKeyError(error)) return false;
      throw error;
    }
  }

  async get(tenant: TenantId, notificationId: string): Promise<Notification | null> {
    return this.#notifications.findOne<Notification>(byId(tenant, notificationId), WITHOUT_ID);
  }

  /** Does nothing when the tenant has no such notification. */
  async setEmailStatus(tenant: TenantId, notificationId: string, status: Notification['email_status'], error?: string): Promise<void> {
    // An error belongs to the status it came with; a later success must not keep it.
    const update: UpdateFilter<Document> =
      error === undefined
        ? { $set: { email_status: String(status) }, $unset: { email_error: '' } }
        : { $set: { email_status: String(status), email_error: String(error) } };
    await this.#notifications.updateOne(byId(tenant, notificationId), update);
  }

  async list(tenant: TenantId, page: ListOptions): Promise<Page<Notification>> {
    const query = { tenant_id: String(tenant) };
    return readPage<Notification>({
      limit: page.limit,
      cursor: page.cursor,
      positionOf,
      fetch: (after, count) =>
        this.#notifications.find<Notification>(after === undefined ? query : { $and: [query, afterPosition(after)] }, WITHOUT_ID).sort(NEWEST_FIRST).limit(count).toArray(),
    });
  }
}

function byId(tenant: TenantId, id: string): Filter<Document> {
  return { tenant_id: String(tenant), id: String(id) };
}
