import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { AuditEntry, EntityPage, ListOptions, Page, RuleVersion, TenantId } from '@flowline/contracts';
import { decodeCursor, pageOf } from '../entity-cursor.ts';
import { checkedLimit } from '../list-limit.ts';
import { decodeVersionCursor, versionPageOf } from '../version-cursor.ts';
import type { AuditStore, RuleChangeRecord } from '../ports.ts';
import { assertSameTenant } from '../tenant-guard.ts';
import { docOf, docsOf, sortableTime } from './sqlite-row.ts';
import { withBusyRetry } from './sqlite-transaction.ts';

/** Rule snapshots in `rule_versions`, audit entries in `audit_log`; both only ever inserted. */
export class SqliteAuditStore implements AuditStore {
  readonly #db: DatabaseSync;
  readonly #insertVersion: StatementSync;
  readonly #versions: StatementSync;
  readonly #versionsBefore: StatementSync;
  readonly #version: StatementSync;
  readonly #append: StatementSync;
  readonly #firstPage: StatementSync;
  readonly #nextPage: StatementSync;

  constructor(db: DatabaseSync) {
    this.#db = db;
    this.#insertVersion = db.prepare('INSERT INTO rule_versions (tenant_id, rule_id, version, doc) VALUES (?, ?, ?, ?)');
    this.#versions = db.prepare('SELECT doc FROM rule_versions WHERE tenant_id = ? AND rule_id = ? ORDER BY version DESC LIMIT ?');
    this.#versionsBefore = db.prepare('SELECT doc FROM rule_versions WHERE tenant_id = ? AND rule_id = ? AND version < ? ORDER BY version DESC LIMIT ?');
    this.#version = db.prepare('SELECT doc FROM rule_versions WHERE tenant_id = ? AND rule_id = ? AND version = ?');
    this.#append = db.prepare('INSERT INTO audit_log (tenant_id, id, created_at, doc) VALUES (?, ?, ?, ?)');
    const newestFirst = 'ORDER BY created_at DESC, id DESC LIMIT ?';
    this.#firstPage = db.prepare(`SELECT doc FROM audit_log WHERE tenant_id = ? ${newestFirst}`);
    this.#nextPage = db.prepare(`SELECT doc FROM audit_log WHERE tenant_id = ? AND (created_at < ? OR (created_at = ? AND id < ?)) ${newestFirst}`);
  }

  /** Writes a rule change's snapshot and entry; synchronous, for the rule store's transaction. */
  writeRecord(tenant: TenantId, record: RuleChangeRecord): void {
    const { snapshot, entry } = record;
    if (snapshot !== null) {
      assertSameTenant(tenant, snapshot);
      assertSameTenant(tenant, snapshot.rule);
    }
    assertSameTenant(tenant, entry);
    if (snapshot !== null) this.#insertVersion.run(tenant, String(snapshot.rule_id), Number(snapshot.version), JSON.stringify(snapshot));
    this.#appendEntry(tenant, entry);
  }

  async ruleVersions(tenant: TenantId, ruleId: string, page: ListOptions): Promise<Page<RuleVersion>> {
    // One more than asked, to know whether a next page exists without a second query.
    const limit = checkedLimit(page.limit);
    const rows =
      page.cursor === undefined
        ? this.#versions.all(tenant, String(ruleId), limit + 1)
        : this.#versionsBefore.all(tenant, String(ruleId), decodeVersionCursor(page.cursor), limit + 1);
    return versionPageOf(docsOf<RuleVersion>(rows), limit);
  }

  async ruleVersion(tenant: TenantId, ruleId: string, version: number): Promise<RuleVersion | null> {
    return docOf<RuleVersion>(this.#version.get(tenant, String(ruleId), Number(version)));
  }

  async append(tenant: TenantId, entry: AuditEntry): Promise<void> {
    assertSameTenant(tenant, entry);
    await withBusyRetry(this.#db, () => this.#appendEntry(tenant, entry));
  }

  #appendEntry(tenant: TenantId, entry: AuditEntry): void {
    this.#append.run(tenant, String(entry.id), sortableTime(entry.created_at), JSON.stringify(entry));
  }

  async list(tenant: TenantId, page: { limit: number; cursor?: string | undefined }): Promise<EntityPage<AuditEntry>> {
    // One more than asked, to know whether a next page exists without a second query.
    const limit = checkedLimit(page.limit);
    let rows;
    if (page.cursor === undefined) rows = this.#firstPage.all(tenant, limit + 1);
    else {
      const after = decodeCursor(page.cursor);
      rows = this.#nextPage.all(tenant, after.created_at, after.created_at, after.id, limit + 1);
    }
    return pageOf(docsOf<AuditEntry>(rows), limit, sortableTime);
  }
}
