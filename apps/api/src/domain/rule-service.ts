import { randomUUID } from 'node:crypto';
import type { CreateRuleRequest, Rule, RuleFilter, TenantId, UpdateRuleRequest } from '@flowline/contracts';
import { checkRuleAgainstCatalogue, type Catalogue } from '@flowline/rules';
import type { RuleStore } from '@flowline/storage';
import { AppError } from './app-error.ts';
import type { RuleChangeNotifier } from './rule-change-notifier.ts';

/** Rule management for one tenant at a time; the tenant always comes from the request context. */
export class RuleService {
  readonly #rules: RuleStore;
  readonly #catalogue: Catalogue;
  readonly #changes: RuleChangeNotifier | undefined;

  constructor(rules: RuleStore, catalogue: Catalogue, changes?: RuleChangeNotifier) {
    this.#rules = rules;
    this.#catalogue = catalogue;
    this.#changes = changes;
  }

  async create(tenant: TenantId, request: CreateRuleRequest): Promise<Rule> {
    this.#checkAgainstCatalogue(request);
    const now = new Date().toISOString();
    const rule: Rule = { id: randomUUID(), tenant_id: tenant, ...request, created_at: now, updated_at: now };
    await this.#rules.insert(tenant, rule);
    await this.#changes?.notify(rule, 'created');
    return rule;
  }

  list(tenant: TenantId, filter: RuleFilter): Promise<Rule[]> {
    return this.#rules.list(tenant, filter);
  }

  async get(tenant: TenantId, ruleId: string): Promise<Rule> {
    const rule = await this.#rules.get(tenant, ruleId);
    if (!rule) throw AppError.notFound(`Rule ${ruleId}`);
    return rule;
  }

  async update(tenant: TenantId, ruleId: string, changes: UpdateRuleRequest): Promise<Rule> {
    const current = await this.get(tenant, ruleId);
    const updated: Rule = { ...current, ...stripUndefined(changes), updated_at: new Date().toISOString() };
    this.#checkAgainstCatalogue(updated);
    return this.#replace(tenant, updated, 'updated');
  }

  async toggle(tenant: TenantId, ruleId: string, isActive: boolean): Promise<Rule> {
    const current = await this.get(tenant, ruleId);
    return this.#replace(tenant, { ...current, is_active: isActive, updated_at: new Date().toISOString() }, 'toggled');
  }

  async delete(tenant: TenantId, ruleId: string): Promise<void> {
    // Read first: the notice names the rule's trigger.
    const rule = await this.get(tenant, ruleId);
    if (!(await this.#rules.delete(tenant, ruleId))) throw AppError.notFound(`Rule ${ruleId}`);
    await this.#changes?.notify(rule, 'deleted');
  }

  async #replace(tenant: TenantId, rule: Rule, change: 'updated' | 'toggled'): Promise<Rule> {
    // Deleted between our read and this write: report it as gone rather than resurrect it.
    if (!(await this.#rules.replace(tenant, rule))) throw AppError.notFound(`Rule ${rule.id}`);
    await this.#changes?.notify(rule, change);
    return rule;
  }

  #checkAgainstCatalogue(rule: Pick<Rule, 'module_type' | 'trigger_id' | 'conditions'>): void {
    const issues = checkRuleAgainstCatalogue(this.#catalogue, rule);
    if (issues.length > 0) throw AppError.validation(issues);
  }
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
