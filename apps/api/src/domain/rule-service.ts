import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import jsonMergePatch from 'json-merge-patch';
import {
  IMMUTABLE_RULE_FIELDS,
  MAX_ACTIONS_PER_RULE,
  MAX_CONDITIONS_PER_RULE,
  ReplaceRuleRequestSchema,
  type CreateRuleRequest,
  type ReplaceRuleRequest,
  type Page,
  type PageOptions,
  type Rule,
  type RuleFilter,
  type RuleTestRequest,
  type RuleVersion,
  type RuleWarning,
  type TenantId,
} from '@flowline/contracts';
import { checkRuleAgainstCatalogue, checkWebhookUrls, ruleWarnings, testRule, type Catalogue, type RuleTestResult } from '@flowline/rules';
import type { RuleStore, WebhookStore } from '@flowline/storage';
import { AppError, problemsOf } from './app-error.ts';
import type { AuditLog } from './audit-log.ts';
import type { RuleChangeNotifier } from './rule-change-notifier.ts';
import { withCursor } from './with-cursor.ts';

/** The largest page a list may ask for (`limit` ≤ 500). */
const MAX_PAGE = 500;

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

/** Who asks for a change, and the version they read (from If-Match), if they named one. */
export interface ChangeContext {
  actor: string;
  ifMatch?: number | undefined;
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
  readonly #audit: AuditLog;
  readonly #maxRules: number;
  readonly #maxConditions: number;
  readonly #maxActions: number;
  readonly #webhooks: WebhookStore | undefined;
  readonly #webhookAllowHttp: boolean;

  constructor(rules: RuleStore, catalogue: Catalogue, audit: AuditLog, changes?: RuleChangeNotifier, options: RuleServiceOptions = {}) {
    this.#rules = rules;
    this.#audit = audit;
    this.#catalogue = catalogue;
    this.#changes = changes;
    this.#maxRules = options.maxRulesPerTenant ?? 0;
    this.#maxConditions = options.maxConditionsPerRule ?? MAX_CONDITIONS_PER_RULE;
    this.#maxActions = options.maxActionsPerRule ?? MAX_ACTIONS_PER_RULE;
    this.#webhooks = options.webhooks;
    this.#webhookAllowHttp = options.webhookAllowHttp ?? false;
  }

  async create(tenant: TenantId, actor: string, request: CreateRuleRequest): Promise<SavedRule> {
    this.#checkAgainstCatalogue(request);
    await this.#checkWebhooks(tenant, request.actions);
    // A soft cap: two creates racing at the limit may both pass; it bounds growth, not exact counts.
    if (this.#maxRules > 0 && (await this.#rules.count(tenant, this.#maxRules)) >= this.#maxRules) {
      throw new AppError('rule_limit_reached', 409, 'Rule limit reached', {
        detail: `This tenant holds ${this.#maxRules} rules, the most it may; delete one first.`,
      });
    }
    const now = new Date().toISOString();
    const rule: Rule = { id: randomUUID(), tenant_id: tenant, ...request, version: 1, created_at: now, updated_at: now };
    await this.#rules.insert(tenant, rule, this.#audit.ruleRecord(tenant, actor, 'created', null, rule));
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

  list(tenant: TenantId, filter: RuleFilter): Promise<Page<Rule>> {
    return withCursor(() => this.#rules.list(tenant, filter));
  }

  /**
   * Every rule the filter matches from `filter.cursor` on, read a page of 500 at a time: what the
   * deprecated array answer of the list always held. Reading stops, with a `next_cursor`, once the
   * rules read take more than `maxBytes` as JSON: more could not be sent in one answer anyway, and
   * without a cap (MAX_RULES_PER_TENANT 0) a tenant's rules are not bounded.
   */
  async listAll(tenant: TenantId, filter: RuleFilter, maxBytes: number): Promise<Page<Rule>> {
    const items: Rule[] = [];
    let bytes = 0;
    for (let cursor = filter.cursor; ; ) {
      const page = await this.list(tenant, { ...filter, limit: MAX_PAGE, cursor });
      items.push(...page.items);
      if (page.next_cursor === undefined) return { items };
      bytes += page.items.reduce((sum, rule) => sum + Buffer.byteLength(JSON.stringify(rule)), 0);
      if (bytes > maxBytes) return { items, next_cursor: page.next_cursor };
      cursor = page.next_cursor;
    }
  }

  async get(tenant: TenantId, ruleId: string): Promise<Rule> {
    const rule = await this.#rules.get(tenant, ruleId);
    if (!rule) throw AppError.notFound(`Rule ${ruleId}`);
    return rule;
  }

  /**
   * Replaces the rule with `body`, the representation GET returns: fields that never change may
   * be repeated but not changed; the expected version comes from If-Match or `version`.
   */
  async replace(tenant: TenantId, ruleId: string, body: ReplaceRuleRequest, context: ChangeContext): Promise<SavedRule> {
    const current = await this.get(tenant, ruleId);
    const expected = this.#expectedVersion(current, body.version, context.ifMatch);
    const unchangeable = IMMUTABLE_RULE_FIELDS.filter((field) => body[field] !== undefined && body[field] !== current[field]);
    if (unchangeable.length > 0) {
      throw AppError.validation(unchangeable.map((field) => ({ path: field, message: `cannot be changed (it is ${JSON.stringify(current[field])}); create a new rule instead` })));
    }
    const { name, description, conditions, actions, is_active } = body;
    const next: Rule = { ...current, name, description, conditions, actions, is_active, version: expected + 1, updated_at: new Date().toISOString() };
    this.#checkAgainstCatalogue(next);
    // Only changed actions are checked: renaming a rule must not fail on a secret removed since.
    if (!isDeepStrictEqual(body.actions, current.actions)) await this.#checkWebhooks(tenant, next.actions);
    return this.#saved(await this.#write(tenant, context.actor, current, next, expected, 'updated'));
  }

  /** A JSON merge patch (RFC 7396) of the rule as GET returns it; the result must be a valid PUT body. */
  async patch(tenant: TenantId, ruleId: string, patch: Record<string, unknown>, context: ChangeContext): Promise<SavedRule> {
    const current = await this.get(tenant, ruleId);
    const merged = jsonMergePatch.apply(structuredClone(current), patch);
    const result = ReplaceRuleRequestSchema.safeParse(merged);
    if (!result.success) {
      throw AppError.validation(problemsOf(result.error), 'The rule with the patch applied is not valid.');
    }
    // `version` in the patch is the one read; absent, the merge carried the current one over.
    return this.replace(tenant, ruleId, { ...result.data, version: typeof patch['version'] === 'number' ? patch['version'] : undefined }, context);
  }

  async toggle(tenant: TenantId, ruleId: string, isActive: boolean, context: ChangeContext): Promise<Rule> {
    const current = await this.get(tenant, ruleId);
    const expected = this.#expectedVersion(current, undefined, context.ifMatch);
    const next = { ...current, is_active: isActive, version: expected + 1, updated_at: new Date().toISOString() };
    return this.#write(tenant, context.actor, current, next, expected, 'toggled');
  }

  async delete(tenant: TenantId, ruleId: string, actor: string): Promise<void> {
    // Read first: the notice names the rule's trigger.
    const rule = await this.get(tenant, ruleId);
    if (!(await this.#rules.delete(tenant, ruleId, this.#audit.ruleRecord(tenant, actor, 'deleted', rule, null)))) throw AppError.notFound(`Rule ${ruleId}`);
    await this.#changes?.notify(rule, 'deleted');
  }

  /** The rule's snapshots, newest first, a page at a time; kept after the rule is deleted. */
  async versions(tenant: TenantId, ruleId: string, page: PageOptions): Promise<Page<RuleVersion>> {
    const versions = await withCursor(() => this.#audit.ruleVersions(tenant, ruleId, page));
    // A rule that ever existed has version 1, so only a cursor past it can find an empty page.
    if (versions.items.length === 0 && page.cursor === undefined) throw AppError.notFound(`Rule ${ruleId}`);
    return versions;
  }

  async version(tenant: TenantId, ruleId: string, version: number): Promise<RuleVersion> {
    const snapshot = await this.#audit.ruleVersion(tenant, ruleId, version);
    if (!snapshot) throw AppError.notFound(`Version ${version} of rule ${ruleId}`);
    return snapshot;
  }

  /** The version the client read: If-Match or the body's `version` (they must agree), else the current one. */
  #expectedVersion(current: Rule, bodyVersion: number | undefined, ifMatch: number | undefined): number {
    if (ifMatch !== undefined && bodyVersion !== undefined && ifMatch !== bodyVersion) {
      throw AppError.validation([{ path: 'version', message: `disagrees with If-Match (${ifMatch})` }]);
    }
    const expected = ifMatch ?? bodyVersion ?? current.version;
    if (expected !== current.version) throw versionConflict(current.id, current.version, expected);
    return expected;
  }

  async #write(tenant: TenantId, actor: string, current: Rule, next: Rule, expected: number, change: 'updated' | 'toggled'): Promise<Rule> {
    const outcome = await this.#rules.replace(tenant, next, expected, this.#audit.ruleRecord(tenant, actor, change, current, next));
    // Deleted between our read and this write: report it as gone rather than resurrect it.
    if (outcome === 'not_found') throw AppError.notFound(`Rule ${next.id}`);
    // Someone else wrote since our read: theirs stands.
    if (outcome === 'version_conflict') throw versionConflict(next.id, undefined, expected);
    await this.#changes?.notify(next, change);
    return next;
  }

  #saved(rule: Rule): SavedRule {
    return { rule, warnings: ruleWarnings(this.#catalogue, rule) };
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

function versionConflict(ruleId: string, current: number | undefined, sent: number): AppError {
  const now = current === undefined ? 'has changed since' : `is at version ${current}`;
  return new AppError('version_conflict', 409, 'Version conflict', {
    detail: `Rule ${ruleId} ${now}; the change was made from version ${sent}. Read the rule again, reapply the change and resend it.`,
  });
}
