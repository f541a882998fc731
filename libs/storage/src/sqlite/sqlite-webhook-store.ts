import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { TenantId, WebhookDelivery, WebhookSecrets } from '@flowline/contracts';
import type { WebhookStore } from '../ports.ts';
import { assertSameTenant } from '../tenant-guard.ts';
import { docOf } from './sqlite-row.ts';
import { withBusyRetry } from './sqlite-transaction.ts';

/** `webhook_secrets` (one row per tenant) and `webhook_deliveries` (one row per command). */
export class SqliteWebhookStore implements WebhookStore {
  readonly #db: DatabaseSync;
  readonly #getSecrets: StatementSync;
  readonly #putSecrets: StatementSync;
  readonly #getDelivery: StatementSync;
  readonly #putDelivery: StatementSync;

  constructor(db: DatabaseSync) {
    this.#db = db;
    this.#getSecrets = db.prepare('SELECT doc FROM webhook_secrets WHERE tenant_id = ?');
    this.#putSecrets = db.prepare('INSERT INTO webhook_secrets (tenant_id, doc) VALUES (?, ?) ON CONFLICT (tenant_id) DO UPDATE SET doc = excluded.doc');
    this.#getDelivery = db.prepare('SELECT doc FROM webhook_deliveries WHERE tenant_id = ? AND id = ?');
    this.#putDelivery = db.prepare('INSERT INTO webhook_deliveries (tenant_id, id, doc) VALUES (?, ?, ?) ON CONFLICT (tenant_id, id) DO UPDATE SET doc = excluded.doc');
  }

  async secrets(tenant: TenantId): Promise<WebhookSecrets | null> {
    return docOf<WebhookSecrets>(this.#getSecrets.get(tenant));
  }

  async putSecrets(tenant: TenantId, secrets: WebhookSecrets): Promise<void> {
    assertSameTenant(tenant, secrets);
    await withBusyRetry(this.#db, () => this.#putSecrets.run(tenant, JSON.stringify(secrets)));
  }

  async delivery(tenant: TenantId, commandId: string): Promise<WebhookDelivery | null> {
    return docOf<WebhookDelivery>(this.#getDelivery.get(tenant, String(commandId)));
  }

  async putDelivery(tenant: TenantId, delivery: WebhookDelivery): Promise<void> {
    assertSameTenant(tenant, delivery);
    await withBusyRetry(this.#db, () => this.#putDelivery.run(tenant, String(delivery.id), JSON.stringify(delivery)));
  }
}
