import type { Collection, Document, Filter, UpdateFilter } from 'mongodb';
import type { ListOptions, Notification, Page, TenantId } from '@flowline/contracts';
import type { ExecutionStore, NotificationStore, ResultWithEffect } from '../ports.ts';
import { assertSameTenant } from '../tenant-guard.ts';
import { WITHOUT_ID } from './mongo-collections.ts';
import { insertEffectOnce } from './mongo-effect-insert.ts';
import { createdBefore, mongoPruner } from './mongo-retention.ts';
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
    return insertEffectOnce(this.#notifications, notification, this.#results, tenant, result);
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
