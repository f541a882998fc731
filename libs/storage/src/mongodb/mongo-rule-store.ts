import type { ClientSession, Collection, Document, Filter, MongoClient } from 'mongodb';
import type { Page, Rule, RuleFilter, TenantId } from '@flowline/contracts';
import { positionOf } from '../entity-cursor.ts';
import { readPage } from '../list-page.ts';
import type { RuleChangeRecord, RuleReplaceOutcome, RuleStore } from '../ports.ts';
import { withRuleVersion } from '../rule-version.ts';
import { assertSameTenant } from '../tenant-guard.ts';
import type { MongoAuditStore } from './mongo-audit-store.ts';
import { NEWEST_FIRST, WITHOUT_ID } from './mongo-collections.ts';
import { afterPosition } from './mongo-tenant-pages.ts';

/*
 * Every value that reaches a filter goes through String() or Boolean() first: a caller that
 * let an object such as { $ne: null } through would otherwise turn an equality match into a
 * query operator and read or change other documents.
 */

const PRIMARY = { readPreference: 'primary' } as const;

/** Rules in the `automation_rules` collection; a change and its record commit in one transaction. */
export class MongoRuleStore implements RuleStore {
  readonly #client: MongoClient;
  readonly #rules: Collection<Document>;
  readonly #audit: MongoAuditStore;

  constructor(client: MongoClient, rules: Collection<Document>, audit: MongoAuditStore) {
    this.#client = client;
    this.#rules = rules;
    this.#audit = audit;
  }

  /** Rejects (E11000) when the tenant already has a rule with this id. */
  async insert(tenant: TenantId, rule: Rule, record?: RuleChangeRecord): Promise<void> {
    assertSameTenant(tenant, rule);
    await this.#write(async (session) => {
      // A copy, because insertOne adds an _id to the object it is given.
      await this.#rules.insertOne({ ...rule }, { session });
      if (record) await this.#audit.writeRecord(tenant, record, session);
    });
  }

  async get(tenant: TenantId, ruleId: string): Promise<Rule | null> {
    const rule = await this.#rules.findOne<Rule>(byId(tenant, ruleId), WITHOUT_ID);
    return rule === null ? null : withRuleVersion(rule);
  }

  async list(tenant: TenantId, filter: RuleFilter): Promise<Page<Rule>> {
    const query: Filter<Document> = { tenant_id: String(tenant) };
    if (filter.module_type !== undefined) query['module_type'] = String(filter.module_type);
    if (filter.trigger_id !== undefined) query['trigger_id'] = String(filter.trigger_id);
    if (filter.is_active !== undefined) query['is_active'] = Boolean(filter.is_active);
    return readPage<Rule>({
      limit: filter.limit,
      cursor: filter.cursor,
      positionOf,
      fetch: async (after, count) => {
        const page = after === undefined ? query : { $and: [query, afterPosition(after)] };
        return (await this.#rules.find<Rule>(page, WITHOUT_ID).sort(NEWEST_FIRST).limit(count).toArray()).map(withRuleVersion);
      },
    });
  }

  async replace(tenant: TenantId, rule: Rule, expectedVersion: number, record?: RuleChangeRecord): Promise<RuleReplaceOutcome> {
    assertSameTenant(tenant, rule);
    const expected = Number(expectedVersion);
    // A rule stored before versions has none: it counts as version 1.
    const atVersion = expected === 1 ? { $or: [{ version: 1 }, { version: { $exists: false } }] } : { version: expected };
    return this.#write(async (session): Promise<RuleReplaceOutcome> => {
      const result = await this.#rules.replaceOne({ ...byId(tenant, rule.id), ...atVersion }, { ...rule }, { session });
      if (result.matchedCount === 0) {
        return (await this.#rules.countDocuments(byId(tenant, rule.id), { limit: 1, session })) === 0 ? 'not_found' : 'version_conflict';
      }
      if (record) await this.#audit.writeRecord(tenant, record, session);
      return 'replaced';
    });
  }

  async delete(tenant: TenantId, ruleId: string, record?: RuleChangeRecord): Promise<boolean> {
    return this.#write(async (session) => {
      if ((await this.#rules.deleteOne(byId(tenant, ruleId), { session })).deletedCount === 0) return false;
      if (record) await this.#audit.writeRecord(tenant, record, session);
      return true;
    });
  }

  count(tenant: TenantId, atMost: number): Promise<number> {
    return this.#rules.countDocuments({ tenant_id: String(tenant) }, { limit: atMost });
  }

  async findActiveByTrigger(tenant: TenantId, triggerId: string): Promise<Rule[]> {
    const query = { tenant_id: String(tenant), trigger_id: String(triggerId), is_active: true };
    return (await this.#rules.find<Rule>(query, WITHOUT_ID).sort(NEWEST_FIRST).toArray()).map(withRuleVersion);
  }

  /** One multi-document transaction: the rule and its record commit together or not at all. */
  #write<T>(work: (session: ClientSession) => Promise<T>): Promise<T> {
    return this.#client.withSession((session) => session.withTransaction(() => work(session), PRIMARY));
  }
}

function byId(tenant: TenantId, id: string): Filter<Document> {
  return { tenant_id: String(tenant), id: String(id) };
}
