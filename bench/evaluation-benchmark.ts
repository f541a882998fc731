/*
 * The same rules and events through Flowline's compiled evaluator and through
 * json-rules-engine (a devDependency used only here). Run alone: `npm run bench:evaluation`.
 */
import { Engine, type RuleProperties, type TopLevelCondition } from 'json-rules-engine';
import type { Condition, Rule } from '@flowline/contracts';
import { compileConditions, compileParameters } from '@flowline/rules';
import { benchEventData, benchRules, tenantId } from './workload.ts';

const OPERATORS: Partial<Record<Condition['type'], string>> = {
  equals: 'equal',
  not_equals: 'notEqual',
  greater_than: 'greaterThan',
  greater_than_or_equal: 'greaterThanInclusive',
  less_than: 'lessThan',
  less_than_or_equal: 'lessThanInclusive',
  contains: 'contains',
  in: 'in',
};

/** The json-rules-engine form of a Flowline rule: `all` of its conditions, fact = first path segment. */
function toJsonRulesEngine(rule: Rule): RuleProperties {
  const all = rule.conditions.map((condition) => {
    // The benchmark's rules use plain field conditions only (see workload.ts).
    if (!('field' in condition) && condition.type !== 'value_threshold') throw new Error(`not in the comparison: ${condition.type}`);
    if (!('value' in condition)) throw new Error(`not in the comparison: ${condition.type}`);
    const field = condition.type === 'value_threshold' ? (condition.field ?? 'value') : (condition as { field: string }).field;
    const [fact, ...rest] = field.split('.');
    const operator = condition.type === 'value_threshold' ? 'greaterThanInclusive' : condition.type === 'exists' ? 'exists' : OPERATORS[condition.type]!;
    return { fact: fact!, operator, value: condition.value as never, ...(rest.length > 0 ? { path: `$.${rest.join('.')}` } : {}) };
  });
  return { name: rule.id, conditions: { all } as TopLevelCondition, event: { type: 'matched', params: { rule: rule.id } } };
}

export async function runEvaluationBenchmark(options: { rulesPerTrigger: number; quick: boolean }): Promise<{ speedup: number; report: string }> {
  const rules = benchRules(tenantId(0), options.rulesPerTrigger);
  const events = Array.from({ length: 200 }, (_, i) => {
    const data = benchEventData(i, 512);
    // Every fourth event misses the matching rule, so both outcomes are exercised.
    if (i % 4 === 3) data.region = 'us';
    return data;
  });
  const rounds = options.quick ? 10 : 50;

  const compiled = rules.map((rule) => ({ conditions: compileConditions(rule.conditions), actions: rule.actions.map((a) => compileParameters(a.parameters)) }));
  const flowline = (data: Record<string, unknown>): number => {
    let matched = 0;
    const context = { ...data, tenant_id: 't', event_id: 'e', trigger_id: 'x' };
    for (const rule of compiled) {
      if (!rule.conditions(data).matched) continue;
      matched += 1;
      for (const render of rule.actions) render(context);
    }
    return matched;
  };

  const engine = new Engine(rules.map(toJsonRulesEngine), { allowUndefinedFacts: true });
  engine.addOperator('exists', (actual: unknown, wanted: unknown) => (actual !== undefined && actual !== null) === wanted);
  const jre = async (data: Record<string, unknown>): Promise<number> => (await engine.run(data)).events.length;

  // Both must agree before their speed means anything.
  for (const data of events) {
    const [a, b] = [flowline(data), await jre(data)];
    if (a !== b) throw new Error(`evaluators disagree: flowline matched ${a} rules, json-rules-engine ${b}`);
  }

  const time = async (fn: (data: Record<string, unknown>) => unknown): Promise<number> => {
    for (const data of events) await fn(data); // warm-up
    const start = performance.now();
    for (let r = 0; r < rounds; r += 1) for (const data of events) await fn(data);
    return (performance.now() - start) / (rounds * events.length);
  };
  const jreMs = await time(jre);
  const flowlineMs = await time(flowline);
  const speedup = jreMs / flowlineMs;
  const report =
    `evaluation: ${rules.length} rules per event, ${rounds * events.length} events: ` +
    `flowline ${(flowlineMs * 1000).toFixed(1)} µs/event, json-rules-engine ${(jreMs * 1000).toFixed(1)} µs/event`;
  return { speedup, report };
}

if (import.meta.main) {
  const result = await runEvaluationBenchmark({ rulesPerTrigger: 20, quick: process.argv.includes('--quick') });
  console.log(result.report);
  console.log(`evaluation speedup vs json-rules-engine: ${result.speedup.toFixed(1)}×`);
}
