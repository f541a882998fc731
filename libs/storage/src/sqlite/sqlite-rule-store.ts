import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { Page, Rule, RuleFilter, TenantId } from '@flowline/contracts';
import { positionOf } from '../entity-cursor.ts';
import { readPage } from '../list-page.ts';
import type { RuleChangeRecord, RuleReplaceOutcome, RuleStore } from '../ports.ts';
import { withRuleVersion } from '../rule-version.ts';
import { assertSameTenant } from '../tenant-guard.ts';
import { AFTER_POSITION, afterValues, filterClauses, FilteredStatements } from './sqlite-filters.ts';
import { docOf, docsOf, sortableTime } from './sqlite-row.ts';
import type { SqliteAuditStore } from './sqlite-audit-store.ts';
import { runImmediate, withBusyRetry } from './sqlite-transaction.ts';

const NEWEST_FIRST = 'ORDER BY created_at DESC, id DESC';

/** Rules in the `rules` table; the filterable fields are copied into columns of their own. */
export class SqliteRuleStore implements RuleStore {
  readonly #db: DatabaseSync;
  readonly #audit: SqliteAuditStore;
  readonly #insert: StatementSync;
  readonly #get: StatementSync;
  readonly #replace: StatementSync;
  readonly #exists: StatementSync;
  readonly #delete: StatementSync;
  readonly #findActive: StatementSync;
  readonly #count: StatementSync;
  readonly #list: FilteredStatements;

  constructor(db: DatabaseSync, audit: SqliteAuditStore) {
    this.#db = db;
    this.#audit = audit;
    this.#insert = db.prepare(
      'INSERT INTO rules (tenant_id, id, module_type, trigger_id, is_active, created_at, doc) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    this.#get = db.prepare('SELECT doc FROM rules WHERE tenant_id = ? AND id = ?');
    this.#replace = db.prepare(
      // A rule stored before versions has none in its document: it counts as version 1.
      "UPDATE rules SET module_type = ?, trigger_id = ?, is_active = ?, created_at = ?, doc = ? WHERE tenant_id = ? AND id = ? AND COALESCE(json_extract(doc, '$.version'), 1) = ?",
    );
    this.#exists = db.prepare('SELECT 1 FROM rules WHERE tenant_id = ? AND id = ?');
    this.#delete = db.prepare('DELETE FROM rules WHERE tenant_id = ? AND id = ?');
    this.#count = db.prepare('SELECT count(*) AS n FROM (SELECT 1 FROM rules WHERE tenant_id = ? LIMIT ?)');
    this.#findActive = db.prepare(`SELECT doc FROM rules WHERE tenant_id = ? AND trigger_id = ? AND is_active = 1 ${NEWEST_FIRST}`);
    this.#list = new FilteredStatements(db, (where) => `SELECT doc FROM rules WHERE ${where} ${NEWEST_FIRST} LIMIT ?`);
  }

  /** Rejects when the tenant already has a rule with this id. */
  async insert(tenant: TenantId, rule: Rule, record?: RuleChangeRecord): Promise<void> {
    assertSameTenant(tenant, rule);
    const values = [tenant, String(rule.id), rule.module_type, rule.trigger_id, rule.is_active ? 1 : 0, sortableTime(rule.created_at), JSON.stringify(rule)];
    await this.#write(() => {
      this.#insert.run(...values);
      if (record) this.#audit.writeRecord(tenant, record);
    });
  }

  async get(tenant: TenantId, ruleId: string): Promise<Rule | null> {
    const rule = docOf<Rule>(this.#get.get(tenant, String(ruleId)));
    return rule === null ? null : withRuleVersion(rule);
  }

  async list(tenant: TenantId, filter: RuleFilter): Promise<Page<Rule>> {
    const { clauses, values } = filterClauses([
      ['module_type = ?', filter.module_type === undefined ? undefined : String(filter.module_type)],
      ['trigger_id = ?', filter.trigger_id === undefined ? undefined : String(filter.trigger_id)],
      ['is_active = ?', filter.is_active === undefined ? undefined : filter.is_active ? 1 : 0],
    ]);
    return readPage<Rule>({
      limit: filter.limit,
      cursor: filter.cursor,
      positionOf,
      fetch: async (after, count) => {
        const statement = this.#list.get(after === undefined ? clauses : [...clauses, AFTER_POSITION]);
        return docsOf<Rule>(statement.all(tenant, ...values, ...afterValues(after), count)).map(withRuleVersion);
      },
    });
  }

  async replace(tenant: TenantId, rule: Rule, expectedVersion: number, record?: RuleChangeRecord): Promise<RuleReplaceOutcome> {
    assertSameTenant(tenant, rule);
    const values = [rule.module_type, rule.trigger_id, rule.is_active ? 1 : 0, sortableTime(rule.created_at), JSON.stringify(rule), tenant, String(rule.id), Number(expectedVersion)];
    return this.#write((): RuleReplaceOutcome => {
      if (Number(this.#replace.run(...values).changes) === 0) {
        return this.#exists.get(tenant, String(rule.id)) === undefined ? 'not_found' : 'version_conflict';
      }
      if (record) this.#audit.writeRecord(tenant, record);
      return 'replaced';
    });
  }

  async delete(tenant: TenantId, ruleId: string, record?: RuleChangeRecord): Promise<boolean> {
    const id = String(ruleId);
    return this.#write(() => {
      if (Number(this.#delete.run(tenant, id).changes) === 0) return false;
      if (record) this.#audit.writeRecord(tenant, record);
      return true;
    });
  }

  /** One transaction: the rule and its record commit together or not at all. */
  #write<T>(work: () => T): Promise<T> {
    return withBusyRetry(this.#db, () => runImmediate(this.#db, work));
  }

  async count(tenant: TenantId, atMost: number): Promise<number> {
    return Number((this.#count.get(tenant, atMost) as { n: number }).n);
  }

  async findActiveByTrigger(tenant: TenantId, triggerId: string): Promise<Rule[]> {
    return docsOf<Rule>(this.#findActive.all(tenant, String(triggerId))).map(withRuleVersion);
  }
}
