export { engineOptionsFromConfig, startEngine } from './start-engine.ts';
export { EventProcessor } from './domain/event-processor.ts';
export { RuleCache, UncachedRuleSource, compileRule, type CompiledRule, type RuleCacheOptions, type RuleSource } from './domain/rule-cache.ts';
