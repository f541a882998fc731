import { DEFAULT_FANOUT_BUDGET, type Config } from '@flowline/config';
import { RuleChangeSchema } from '@flowline/contracts';
import { decodeMessage, type MessageBus } from '@flowline/messaging';
import type { Logger } from '@flowline/observability';
import { catalogue } from '@flowline/rules';
import { flowControlFromConfig, subscribeWithFlowControl, type FlowControlOptions, type Running } from '@flowline/runtime';
import type { Stores } from '@flowline/storage';
import { EventProcessor } from './domain/event-processor.ts';
import { FanoutBudget, type FanoutBudgetOptions } from './domain/fanout-budget.ts';
import { RuleCache, type RuleCacheOptions } from './domain/rule-cache.ts';

/** The engine's settings, read from the configuration in one place for every entry point. */
export function engineOptionsFromConfig(config: Config): {
  loopGuardMaxDepth: number;
  ruleCache: RuleCacheOptions;
  maxScheduleAheadMs: number;
  fanoutBudget: FanoutBudgetOptions;
  batchMax: number;
  flowControl: FlowControlOptions;
} {
  return {
    flowControl: flowControlFromConfig(config, 'engine'),
    loopGuardMaxDepth: config.LOOP_GUARD_MAX_DEPTH,
    maxScheduleAheadMs: config.SCHEDULE_MAX_DAYS * 86_400_000,
    batchMax: config.BATCH_MAX,
    ruleCache: { maxRules: config.RULE_CACHE_MAX_RULES, ttlMs: config.RULE_CACHE_TTL_MS },
    fanoutBudget: { perChain: config.FANOUT_BUDGET_PER_CHAIN, tenantActionsPerMinute: config.FANOUT_TENANT_ACTIONS_PER_MINUTE },
  };
}

/**
 * Subscribes an engine to `engine.events` and its deferred lane; several engines share the queues. Each engine keeps
 * its own rule cache and listens to the rule-changes broadcast before it takes any event.
 */
export async function startEngine(deps: {
  stores: Stores;
  bus: MessageBus;
  logger: Logger;
  loopGuardMaxDepth?: number;
  ruleCache?: RuleCacheOptions;
  /** @defaultValue the configuration's defaults: an engine is never without a budget */
  fanoutBudget?: FanoutBudgetOptions;
  maxScheduleAheadMs?: number;
  /** @defaultValue the bus's prefetch */
  batchMax?: number;
  /** Per-tenant admission and the deferred lane. @defaultValue the configuration's defaults */
  flowControl?: FlowControlOptions;
}): Promise<Running> {
  const rules = new RuleCache(deps.stores.rules, deps.ruleCache);
  const changes = await deps.bus.subscribeBroadcast('rule-changes', {
    onMessage: (message) => {
      const change = decodeMessage(message, RuleChangeSchema);
      rules.invalidate(change.tenant_id, change.trigger_id);
      deps.logger.debug({ tenant_id: change.tenant_id, trigger_id: change.trigger_id, rule_id: change.rule_id, change: change.change }, 'rule cache invalidated');
    },
    onGap: () => {
      rules.clear();
      deps.logger.info('rule change notices may have been missed; rule cache cleared');
    },
  });
  const processor = new EventProcessor({ ...deps, catalogue, rules, fanoutBudget: new FanoutBudget(deps.fanoutBudget ?? DEFAULT_FANOUT_BUDGET) });
  // The events already delivered go through as one batch: one store transaction for all of them.
  // Both lanes: a tenant over its limits is deferred to engine.events.deferred, never dropped (docs/fairness.md).
  const subscription = await subscribeWithFlowControl({
    bus: deps.bus,
    stores: deps.stores,
    logger: deps.logger,
    stage: 'engine',
    subscription: 'engine.events',
    handler: (messages) => processor.processBatch(messages),
    maxBatch: deps.batchMax,
    flowControl: deps.flowControl,
  });
  deps.logger.info('engine consuming engine.events and engine.events.deferred');
  return {
    async stop() {
      await subscription.cancel();
      await changes.cancel();
    },
  };
}
