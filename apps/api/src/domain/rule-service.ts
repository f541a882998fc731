import { randomUUID } from 'node:crypto';
import {
  MAX_ACTIONS_PER_RULE,
  MAX_CONDITIONS_PER_RULE,
  type CreateRuleRequest,
  type Rule,
  type RuleFilter,
  type RuleTestRequest,
  type RuleWarning,
  type TenantId,
  type UpdateRuleRequest,
} from '@flowline/contracts';
import { checkRuleAgainstCatalogue, ruleWarnings, testRule, type Catalogue, type RuleTestResult } from '@flowline/rules';
import type { RuleStore } from '@flowline/storage';
import { AppError } from './app-error.ts';
import type { RuleChangeNotifier } from './rule-change-notifier.ts';

export interface RuleServiceOptions {
  /** Rules one tenant may hold; 0 = no cap. @defaultValue 0 */
  maxRulesPerTenant?: number;
  /** Below the contract's own cap, for deployments that want smaller rules. @defaultValue MAX_CONDITIONS_PER_RULE */
  maxConditionsPerRule?: number;
  /** @defaultValue MAX_ACTIONS_PER_RULE */
  maxActionsPerRule?: number;
}

/** A stored rule and the likely mistakes in it, which never block a save. */
export interface SavedRule {
  rule: Rule;
  warnings: RuleWarning[];
}

/** Rule management for one tenant at a time; the tenant always comes from the request context. */
export class RuleService {
  readonly #rules: RuleStore;
  readonly #catalogue: Catalogue;
  readonly #changes: RuleChangeNotifier | undefined;
  readonly #maxRules: number;
  readonly #maxConditions: number;
  readonly #maxActions: number;

  constructor(rules: RuleStore, catalogue: Catalogue, changes?: RuleChangeNotifier, options: RuleServiceOptions = {}) {
    this.#rules = rules;
    this.#catalogue = catalogue;
    this.#changes = changes;
    this.#maxRules = options.maxRulesPerTenant ?? 0;
    this.#maxConditions = options.maxConditionsPerRule ?? MAX_CONDITIONS_PER_RULE;
    this.#maxActions = options.maxActionsPerRule ?? MAX_ACTIONS_PER_RULE;
  }

  async create(tenant: TenantId, request: CreateRuleRequest): Promise<SavedRule> {
    this.#checkAgainstCatalogue(request);
    // A soft cap: two creates racing at the limit may both pass; it bounds growth, not exact counts.
    if (this.#maxRules > 0 && (await this.#rules.list(tenant, {})).length >= this.#maxRules) {
      throw new AppError('rule_limit_reached', 409, 'Rule limit reached', {
        detail: `This tenant holds ${this.#maxRules} rules, the most it may; delete one first.`,
      });
    }
    const now = new Date().toISOString();
    const rule: Rule = { id: randomUUID(), tenant_id: tenant, ...request, created_at: now, updated_at: now };
    await this.#rules.insert(tenant, rule);
    await this.#changes?.notify(rule, 'created');
    return this.#saved(rule);
  }

  /**
   * What the engine would do with a draft or stored rule for a sample event: the same
   * evaluation and rendering, with nothing stored or published.
   */
  async test(tenant: TenantId, request: RuleTestRequest): Promise<RuleTestResult> {
    let rule: Pick<Rule, 'module_type' | 'trigger_id' | 'conditions' | 'actions'>;
    if (request.rule_id !== undefined) {
      rule = await this.get(tenant, request.rule_id);
    } else {
      rule = request.rule!;
      const issues = checkRuleAgainstCatalogue(this.#catalogue, rule);
      if (issues.length > 0) throw AppError.validation(issues.map((issue) => ({ ...issue, path: `rule.${issue.path}` })));
    }
    return testRule(this.#catalogue, rule, request.event, { tenant_id: tenant, event_id: randomUUID() });
  }

  list(tenant: TenantId, filter: RuleFilter): Promise<Rule[]> {
    return this.#rules.list(tenant, filter);
  }

  async get(tenant: TenantId, ruleId: string): Promise<Rule> {
    const rule = await this.#rules.get(tenant, ruleId);
    if (!rule) throw AppError.notFound(`Rule ${ruleId}`);
    return rule;
  }

  async update(tenant: TenantId, ruleId: string, changes: UpdateRuleRequest): Promise<SavedRule> {
    const current = await this.get(tenant, ruleId);
    const updated: Rule = { ...current, ...stripUndefined(changes), updated_at: new Date().toISOString() };
    this.#checkAgainstCatalogue(updated);
    return this.#saved(await this.#replace(tenant, updated, 'updated'));
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

  #saved(rule: Rule): SavedRule {
    return { rule, warnings: ruleWarnings(this.#catalogue, rule) };
  }

  #checkAgainstCatalogue(rule: Pick<Rule, 'module_type' | 'trigger_id' | 'conditions' | 'actions'>): void {
    const issues = checkRuleAgainstCatalogue(this.#catalogue, rule);
    if (rule.conditions.length > this.#maxConditions) issues.push({ path: 'conditions', message: `at most ${this.#maxConditions} conditions per rule` });
    if (rule.actions.length > this.#maxActions) issues.push({ path: 'actions', message: `at most ${this.#maxActions} actions per rule` });
    if (issues.length > 0) throw AppError.validation(issues);
  }
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
