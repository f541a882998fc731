import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { DEFAULT_AUTOMATION_SETTINGS, type AutomationSettings, type TenantId } from '@flowline/contracts';
import type { SettingsStore } from '../ports.ts';
import { docOf } from './sqlite-row.ts';
import { withBusyRetry } from './sqlite-transaction.ts';

/** One row of automation settings per tenant. */
export class SqliteSettingsStore implements SettingsStore {
  readonly #db: DatabaseSync;
  readonly #get: StatementSync;
  readonly #put: StatementSync;

  constructor(db: DatabaseSync) {
    this.#db = db;
    this.#get = db.prepare('SELECT doc FROM automation_settings WHERE tenant_id = ?');
    this.#put = db.prepare('INSERT INTO automation_settings (tenant_id, doc) VALUES (?, ?) ON CONFLICT (tenant_id) DO UPDATE SET doc = excluded.doc');
  }

  async get(tenant: TenantId): Promise<AutomationSettings> {
    return { ...DEFAULT_AUTOMATION_SETTINGS, ...docOf<AutomationSettings>(this.#get.get(tenant)) };
  }

  async put(tenant: TenantId, settings: AutomationSettings): Promise<void> {
    await withBusyRetry(this.#db, () => this.#put.run(tenant, JSON.stringify(settings)));
  }
}
