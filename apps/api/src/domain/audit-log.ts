import { isDeepStrictEqual } from 'node:util';
import type { AuditEntry, AutomationSettings, EntityPage, Page, PageOptions, Rule, RuleVersion, TenantId } from '@flowline/contracts';
import type { AuditStore, RuleChangeRecord } from '@flowline/storage';
import { v7 as timeOrderedUuid } from 'uuid';

type RuleAction = 'created' | 'updated' | 'toggled' | 'deleted';

/** Fields that change with every write, so naming them in `changed_fields` tells nothing. */
const BOOKKEEPING = new Set(['version', 'updated_at']);

/**
 * Who changed what: the record of each rule change (an immutable snapshot of the new version
 * and an audit entry), which the rule store commits with the change itself, and the entries
 * for settings changes.
 */
export class AuditLog {
  readonly #store: AuditStore;

  constructor(store: AuditStore) {
    this.#store = store;
  }

  /** The record of a rule change, for the rule store to write in the change's transaction. */
  ruleRecord(tenant: TenantId, actor: string, action: RuleAction, before: Rule | null, after: Rule | null): RuleChangeRecord {
    const now = new Date().toISOString();
    const rule = (after ?? before)!;
    const snapshot = after !== null && action !== 'deleted' ? { tenant_id: tenant, rule_id: after.id, version: after.version, action, actor, created_at: now, rule: after } : null;
    return {
      snapshot,
      entry: this.#entry(tenant, {
        created_at: now,
        actor,
        action: `rule.${action}`,
        target_type: 'rule',
        target_id: rule.id,
        target_name: rule.name,
        version_before: before?.version ?? null,
        version_after: action === 'deleted' ? null : (after?.version ?? null),
        changed_fields: changedFields(before, action === 'deleted' ? null : after),
      }),
    };
  }

  async settingsChanged(tenant: TenantId, actor: string, before: AutomationSettings, after: AutomationSettings): Promise<void> {
    await this.#store.append(tenant, this.#entry(tenant, {
      created_at: new Date().toISOString(),
      actor,
      action: 'settings.updated',
      target_type: 'settings',
      target_id: null,
      target_name: null,
      version_before: null,
      version_after: null,
      changed_fields: changedFields(before, after),
    }));
  }

  ruleVersions(tenant: TenantId, ruleId: string, page: PageOptions): Promise<Page<RuleVersion>> {
    return this.#store.ruleVersions(tenant, ruleId, page);
  }

  ruleVersion(tenant: TenantId, ruleId: string, version: number): Promise<RuleVersion | null> {
    return this.#store.ruleVersion(tenant, ruleId, version);
  }

  list(tenant: TenantId, page: { limit: number; cursor?: string | undefined }): Promise<EntityPage<AuditEntry>> {
    return this.#store.list(tenant, page);
  }

  #entry(tenant: TenantId, entry: Omit<AuditEntry, 'id' | 'tenant_id'>): AuditEntry {
    // Time-ordered ids (UUIDv7, monotonic within a process): entries made in the same
    // millisecond still list newest first, since the id breaks created_at ties.
    return { id: timeOrderedUuid(), tenant_id: tenant, ...entry };
  }
}

function changedFields(before: object | null, after: object | null): string[] {
  if (before === null || after === null) return [];
  const a = before as Record<string, unknown>;
  const b = after as Record<string, unknown>;
  return [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((key) => !BOOKKEEPING.has(key) && !isDeepStrictEqual(a[key], b[key]));
}
