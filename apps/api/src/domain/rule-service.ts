import { randomUUID } from 'node:crypto';
import { MAX_ACTIONS_PER_RULE, MAX_CONDITIONS_PER_RULE, type CreateRuleRequest, type Rule, type RuleFilter, type TenantId, type UpdateRuleRequest } from '@flowline/contracts';
import { checkRuleAgainstCatalogue, checkWebhookUrls, type Catalogue } from '@flowline/rules';
import type { RuleStore, WebhookStore } from '@flowline/storage';
import { AppError } from './app-error.ts';
import type { RuleChangeNotifier } from './rule-change-notifier.ts';

export interface RuleServiceOptions {
  /** Rules one tenant may hold; 0 = no cap. @defaultValue 0 */
  maxRulesPerTenant?: number;
  /** Below the contract's own cap, for deployments that want smaller rules. @defaultValue MAX_CONDITIONS_PER_RULE */
  maxConditionsPerRule?: number;
  /** @defaultValue MAX_ACTIONS_PER_RULE */
  maxActionsPerRule?: number;
  /** Where the tenant's webhook signing secret is looked for: a rule with call_webhook needs one. */
  webhooks?: WebhookStore;
  /** Whether webhook URLs may use http (WEBHOOK_ALLOW_HTTP). @defaultValue false */
  webhookAllowHttp?: boolean;
}

/** Rule management for one tenant at a time; the tenant always comes from the request context. */
export class RuleService {
  readonly #rules: RuleStore;
  readonly #catalogue: Catalogue;
  readonly #changes: RuleChangeNotifier | undefined;
  readonly #maxRules: number;
  readonly #maxConditions: number;
  readonly #maxActions: number;
  readonly #webhooks: WebhookStore | undefined;
  readonly #webhookAllowHttp: boolean;

  constructor(rules: RuleStore, catalogue: Catalogue, changes?: RuleChangeNotifier, options: RuleServiceOptions = {}) {
    this.#rules = rules;
    this.#catalogue = catalogue;
    this.#changes = changes;
    this.#maxRules = options.maxRulesPerTenant ?? 0;
    this.#maxConditions = options.maxConditionsPerRule ?? MAX_CONDITIONS_PER_RULE;
    this.#maxActions = options.maxActionsPerRule ?? MAX_ACTIONS_PER_RULE;
    this.#webhooks = options.webhooks;
    this.#webhookAllowHttp = options.webhookAllowHttp ?? false;
  }

  async create(tenant: TenantId, request: CreateRuleRequest): Promise<Rule> {
    this.#checkAgainstCatalogue(request);
    await this.#checkWebhooks(tenant, request.actions);
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
    if (changes.actions) await this.#checkWebhooks(tenant, changes.actions);
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

  async #checkWebhooks(tenant: TenantId, actions: Rule['actions']): Promise<void> {
    const issues = checkWebhookUrls(actions, { allowHttp: this.#webhookAllowHttp });
    const first = actions.findIndex((a) => a.type === 'call_webhook');
    if (first >= 0 && this.#webhooks && (await this.#webhooks.secrets(tenant)) === null) {
      issues.push({ path: `actions.${first}`, message: 'call_webhook needs a webhook signing secret: create one with POST /api/v1/automation/settings/webhook-secret' });
    }
    if (issues.length > 0) throw AppError.validation(issues);
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
