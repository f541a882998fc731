import type { ClientSession, Collection, Document, Filter } from 'mongodb';
import type { AuditEntry, EntityPage, ListOptions, Page, RuleVersion, TenantId } from '@flowline/contracts';
import { decodeCursor, pageOf } from '../entity-cursor.ts';
import { checkedLimit } from '../list-limit.ts';
import { decodeVersionCursor, versionPageOf } from '../version-cursor.ts';
import type { AuditStore, RuleChangeRecord } from '../ports.ts';
import { assertSameTenant } from '../tenant-guard.ts';
import { NEWEST_FIRST, WITHOUT_ID } from './mongo-collections.ts';

/** Rule snapshots and audit entries, each in its own collection; both only ever inserted. */
export class MongoAuditStore implements AuditStore {
  readonly #versions: Collection<Document>;
  readonly #entries: Collection<Document>;

  constructor(versions: Collection<Document>, entries: Collection<Document>) {
    this.#versions = versions;
    this.#entries = entries;
  }

  /** Writes a rule change's snapshot and entry in the rule store's transaction. */
  async writeRecord(tenant: TenantId, record: RuleChangeRecord, session: ClientSession): Promise<void> {
    const { snapshot, entry } = record;
    if (snapshot !== null) {
      assertSameTenant(tenant, snapshot);
      assertSameTenant(tenant, snapshot.rule);
    }
    assertSameTenant(tenant, entry);
    if (snapshot !== null) await this.#versions.insertOne({ ...snapshot }, { session });
    await this.#entries.insertOne({ ...entry }, { session });
  }

  async ruleVersions(tenant: TenantId, ruleId: string, page: ListOptions): Promise<Page<RuleVersion>> {
    const limit = checkedLimit(page.limit);
    const query: Filter<Document> = { tenant_id: String(tenant), rule_id: String(ruleId) };
    if (page.cursor !== undefined) query['version'] = { $lt: decodeVersionCursor(page.cursor) };
    // One more than asked, to know whether a next page exists without a second query.
    return versionPageOf(await this.#versions.find<RuleVersion>(query, WITHOUT_ID).sort({ version: -1 }).limit(limit + 1).toArray(), limit);
  }

  async ruleVersion(tenant: TenantId, ruleId: string, version: number): Promise<RuleVersion | null> {
    return this.#versions.findOne<RuleVersion>({ tenant_id: String(tenant), rule_id: String(ruleId), version: Number(version) }, WITHOUT_ID);
  }

  async append(tenant: TenantId, entry: AuditEntry): Promise<void> {
    assertSameTenant(tenant, entry);
    await this.#entries.insertOne({ ...entry });
  }

  async list(tenant: TenantId, page: { limit: number; cursor?: string | undefined }): Promise<EntityPage<AuditEntry>> {
    const limit = checkedLimit(page.limit);
    const query: Filter<Document> = { tenant_id: String(tenant) };
    if (page.cursor !== undefined) {
      const after = decodeCursor(page.cursor);
      query['$or'] = [{ created_at: { $lt: after.created_at } }, { created_at: after.created_at, id: { $lt: after.id } }];
    }
    const items = await this.#entries.find<AuditEntry>(query, WITHOUT_ID).sort(NEWEST_FIRST).limit(limit + 1).toArray();
    return pageOf(items, limit);
  }
}
