import type { ConditionOutcome } from '@flowline/contracts';
import type { Catalogue } from './catalogue.ts';
import { compileConditions, compileParameters } from './compile-rule.ts';
import { prepareAction } from './prepare-action.ts';
import { ruleWarnings, type RuleDraft } from './rule-warnings.ts';
import { checkEventData, type ValidationIssue } from './validation.ts';

export interface SampleEvent {
  type: string;
  data: Record<string, unknown>;
}

export interface TestedAction {
  index: number;
  type: string;
  /** `would_run`: sent as shown; `would_fail`: recorded as failed with `error`; `not_run`: the rule did not match. */
  status: 'would_run' | 'would_fail' | 'not_run';
  parameters: Record<string, unknown>;
  missing_placeholders: string[];
  error?: string;
}

export interface RuleTestResult {
  matched: boolean;
  /** False when the sample event's type is not the rule's trigger: the engine would not run the rule for it. */
  trigger_matched: boolean;
  conditions: ConditionOutcome[];
  actions: TestedAction[];
  /** Every placeholder of every action that had no value, each once. */
  missing_placeholders: string[];
  warnings: ValidationIssue[];
}

/**
 * What the engine would do with `rule` for one sample event, with the same evaluation and
 * rendering, without storing or sending anything. Actions are rendered even when the rule does
 * not match, so that their placeholders can be checked against the sample.
 */
export function testRule(catalogue: Catalogue, rule: RuleDraft, event: SampleEvent, context: { tenant_id: string; event_id: string }): RuleTestResult {
  const warnings = ruleWarnings(catalogue, rule);
  const triggerMatched = event.type === rule.trigger_id;
  if (!triggerMatched) {
    warnings.push({ path: 'event.type', message: `the rule runs for '${rule.trigger_id}' events, not '${event.type}'` });
  } else {
    // The api would refuse such an event, so the test is of one that cannot happen.
    for (const issue of checkEventData(catalogue, event.type, event.data)) warnings.push({ path: `event.${issue.path}`, message: issue.message });
  }
  const evaluation = compileConditions(rule.conditions)(event.data);
  const matched = triggerMatched && evaluation.matched;
  const renderContext = { ...event.data, tenant_id: context.tenant_id, event_id: context.event_id, trigger_id: event.type };
  const actions = rule.actions.map((action, index): TestedAction => {
    const prepared = prepareAction(action, compileParameters(action.parameters as Record<string, unknown>), renderContext);
    const status = !matched ? 'not_run' : prepared.error === undefined ? 'would_run' : 'would_fail';
    return { index, type: action.type, status, ...prepared };
  });
  return {
    matched,
    trigger_matched: triggerMatched,
    conditions: evaluation.outcomes,
    actions,
    missing_placeholders: [...new Set(actions.flatMap((a) => a.missing_placeholders))],
    warnings,
  };
}
