import type { Rule, RuleChange } from '@flowline/contracts';
import { publishPayload, type MessageBus } from '@flowline/messaging';
import type { Logger } from '@flowline/observability';

/**
 * Tells every engine that a rule changed, after the change is stored (so an engine that reloads
 * on the notice reads the new version). A notice that cannot be sent does not undo the change:
 * engines then pick it up when their cache entry expires (RULE_CACHE_TTL_MS) or they reconnect.
 */
export class RuleChangeNotifier {
  readonly #bus: MessageBus;
  readonly #logger: Logger;

  constructor(bus: MessageBus, logger: Logger) {
    this.#bus = bus;
    this.#logger = logger;
  }

  async notify(rule: Pick<Rule, 'tenant_id' | 'trigger_id' | 'id'>, change: RuleChange['change']): Promise<void> {
    const notice: RuleChange = { tenant_id: rule.tenant_id, trigger_id: rule.trigger_id, rule_id: rule.id, change };
    try {
      await publishPayload(this.#bus, 'rule-changes', notice);
    } catch (error) {
      this.#logger.warn({ err: error, tenant_id: rule.tenant_id, rule_id: rule.id, change }, 'could not broadcast a rule change; engines see it once their cache expires');
    }
  }
}
