import type { Collection, Document } from 'mongodb';
import type { TenantId, WebhookDelivery, WebhookSecrets } from '@flowline/contracts';
import type { WebhookStore } from '../ports.ts';
import { assertSameTenant } from '../tenant-guard.ts';
import { WITHOUT_ID } from './mongo-collections.ts';

/** `webhook_secrets` (one document per tenant) and `webhook_deliveries` (one per command). */
export class MongoWebhookStore implements WebhookStore {
  readonly #secrets: Collection<Document>;
  readonly #deliveries: Collection<Document>;

  constructor(secrets: Collection<Document>, deliveries: Collection<Document>) {
    this.#secrets = secrets;
    this.#deliveries = deliveries;
  }

  async secrets(tenant: TenantId): Promise<WebhookSecrets | null> {
    return this.#secrets.findOne<WebhookSecrets>({ tenant_id: String(tenant) }, WITHOUT_ID);
  }

  async putSecrets(tenant: TenantId, secrets: WebhookSecrets): Promise<void> {
    assertSameTenant(tenant, secrets);
    await this.#secrets.replaceOne({ tenant_id: String(tenant) }, { ...secrets }, { upsert: true });
  }

  async delivery(tenant: TenantId, commandId: string): Promise<WebhookDelivery | null> {
    return this.#deliveries.findOne<WebhookDelivery>({ tenant_id: String(tenant), id: String(commandId) }, WITHOUT_ID);
  }

  async putDelivery(tenant: TenantId, delivery: WebhookDelivery): Promise<void> {
    assertSameTenant(tenant, delivery);
    await this.#deliveries.replaceOne({ tenant_id: String(tenant), id: String(delivery.id) }, { ...delivery }, { upsert: true });
  }
}
