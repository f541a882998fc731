import type { Collection, Document, Filter, UpdateFilter } from 'mongodb';
import type { ListOptions, Notification, Page, TenantId } from '@flowline/contracts';
import type { ExecutionStore, NotificationStore, ResultWithEffect } from '../ports.ts';
import { assertSameTenant } from '../tenant-guard.ts';
import { WITHOUT_ID } from './mongo-collections.ts';
import { isDuplicateKeyError } from './mongo-errors.ts';
import { createdBefore, mongoPruner, STORED_AT } from './mongo-retention.ts';
import { mongoTenantPages } from './mongo-tenant-pages.ts';

/** The notification outbox in the `notifications` collection; filter values are coerced as in MongoRuleStore. */
export class MongoNotificationStore implements NotificationStore {
  readonly #notifications: Collection<Document>;
  readonly #page: (tenant: TenantId, page: ListOptions) => Promise<Page<Notification>>;

  /** Deletes the oldest notifications created before a cut-off (`flowline prune`; a TTL index does it periodically). */
  readonly pruneBefore: (before: Date, limit: number) => Promise<number>;

  readonly #results: Pick<ExecutionStore, 'recordActionResult'>;

  /** `results` records an action's result after its effect (ResultWithEffect). */
  constructor(notifications: Collection<Document>, results: Pick<ExecutionStore, 'recordActionResult'>) {
    this.#notifications = notifications;
    this.#results = results;
    this.#page = mongoTenantPages<Notification>(notifications);
    this.pruneBefore = mongoPruner(notifications, 'created_at', createdBefore);
  }

  async insertIfAbsent(tenant: TenantId, notification: Notification, result?: ResultWithEffect): Promise<boolean> {
    assertSameTenant(tenant, notification);
    let created: boolean;
    try {
      // A copy, because insertOne adds an _id to the object it is given.
      await this.#notifications.insertOne({ ...notification, [STORED_AT]: new Date() });
      created = true;
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
      created = false;
    }
    // After the effect, never before: a result is only there for an effect that is. A failure here fails the
    // command, whose redelivery finds the effect and writes the result again.
    if (result !== undefined) await this.#results.recordActionResult(tenant, result);
    return created;
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

  list(tenant: TenantId, page: ListOptions): Promise<Page<Notification>> {
    return this.#page(tenant, page);
  }
}

function byId(tenant: TenantId, id: string): Filter<Document> {
  return { tenant_id: String(tenant), id: String(id) };
}
