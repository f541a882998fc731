import type { Collection, Document } from 'mongodb';
import { DEFAULT_AUTOMATION_SETTINGS, type AutomationSettings, type TenantId } from '@flowline/contracts';
import type { SettingsStore } from '../ports.ts';

/** One document of automation settings per tenant, in `automation_settings`. */
export class MongoSettingsStore implements SettingsStore {
  readonly #settings: Collection<Document>;

  constructor(settings: Collection<Document>) {
    this.#settings = settings;
  }

  async get(tenant: TenantId): Promise<AutomationSettings> {
    const doc = await this.#settings.findOne<{ settings: AutomationSettings }>({ tenant_id: String(tenant) }, { projection: { _id: 0, settings: 1 } });
    return { ...DEFAULT_AUTOMATION_SETTINGS, ...doc?.settings };
  }

  async put(tenant: TenantId, settings: AutomationSettings): Promise<void> {
    await this.#settings.replaceOne({ tenant_id: String(tenant) }, { tenant_id: String(tenant), settings: { ...settings } }, { upsert: true });
  }
}
