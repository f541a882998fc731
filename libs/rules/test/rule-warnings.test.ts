import { describe, expect, it } from 'vitest';
import { ActionSchema, ConditionSchema } from '@flowline/contracts';
import { catalogue, ruleWarnings, testRule, type RuleDraft } from '@flowline/rules';

const notify = (message: string) => ActionSchema.parse({ type: 'send_notification', parameters: { recipient: 'sales@example.com', message } });
const draft = (conditions: unknown[], message = 'New: {{opportunity_name}} - ${{value}}', trigger_id = 'high_value_opportunity'): RuleDraft => ({
  module_type: 'sales',
  trigger_id,
  conditions: conditions.map((c) => ConditionSchema.parse(c)),
  actions: [notify(message)],
});
const warnings = (rule: RuleDraft) => ruleWarnings(catalogue, rule);

describe('ruleWarnings', () => {
  it("when the spec's High Value Deal Alert is checked, then there is no warning", () => {
    expect(warnings(draft([{ type: 'value_threshold', value: 10000 }]))).toEqual([]);
  });

  it("when a new user's first rule misspells a field, compares a string with a number and misspells a placeholder, then each gets a warning at its path", () => {
    const found = warnings(
      draft([{ type: 'greater_than', field: 'vlaue', value: 10000 }, { type: 'equals', field: 'value', value: '25000' }], 'Deal {{opportunity_nmae}} is ${{value}}'),
    );
    expect(found).toEqual([
      { path: 'conditions.0.field', message: expect.stringMatching(/field 'vlaue' is not in the data of trigger 'high_value_opportunity' \(did you mean 'value'\?\)/) },
      { path: 'conditions.1.value', message: expect.stringMatching(/'value' is a number and string "25000" is not/) },
      { path: 'actions.0.parameters.message', message: expect.stringMatching(/placeholder '\{\{opportunity_nmae\}\}' .*did you mean 'opportunity_name'/) },
    ]);
  });

  it('when not_equals compares with a value of another type, then the warning says it always holds; equals null is no mistake', () => {
    expect(warnings(draft([{ type: 'not_equals', field: 'value', value: 'x' }]))).toEqual([
      { path: 'conditions.0.value', message: expect.stringMatching(/always holds when the field is present/) },
    ]);
    expect(warnings(draft([{ type: 'equals', field: 'lost_reason', value: null }]))).toEqual([]);
    expect(warnings(draft([{ type: 'value_threshold', field: 'changed_fields', value: 1 }]))[0]?.message).toMatch(/is an array, not a number/);
  });

  it('when placeholders name the render context or nested data of a described field, then they are not flagged', () => {
    expect(warnings(draft([], 'Event {{event_id}} of {{tenant_id}} for {{trigger_id}}: {{changed_fields.0}}'))).toEqual([]);
  });

  it.each([
    ['two different equals', [{ type: 'equals', field: 'stage', value: 'a' }, { type: 'equals', field: 'stage', value: 'b' }], /must equal both "a" and "b"/],
    ['a threshold above an upper bound', [{ type: 'value_threshold', value: 10000 }, { type: 'less_than', field: 'value', value: 5000 }], /≥ 10000 and < 5000/],
    ['equals and not_equals of one value', [{ type: 'equals', field: 'stage', value: 'a' }, { type: 'not_equals', field: 'stage', value: 'a' }], /equal and not equal/],
    ['an equals outside an in list', [{ type: 'in', field: 'stage', value: ['a', 'b'] }, { type: 'equals', field: 'stage', value: 'c' }], /not one of/],
    ['absent yet compared', [{ type: 'exists', field: 'owner', value: false }, { type: 'equals', field: 'owner', value: 'x' }], /absent/],
  ])('when the conditions hold %s, then the set is unreachable', (_what, conditions, message) => {
    expect(warnings(draft(conditions))).toEqual([{ path: 'conditions', message: expect.stringMatching(message) }]);
  });

  it('when the contradiction sits inside an all group, then its path names the group; inside any it is no contradiction', () => {
    const pair = [{ type: 'equals', field: 'stage', value: 'a' }, { type: 'equals', field: 'stage', value: 'b' }];
    expect(warnings(draft([{ type: 'all', conditions: pair }])).map((w) => w.path)).toEqual(['conditions.0.conditions']);
    expect(warnings(draft([{ type: 'any', conditions: pair }]))).toEqual([]);
  });

  it('when a range is satisfiable, then it is no warning', () => {
    expect(warnings(draft([{ type: 'greater_than', field: 'value', value: 10 }, { type: 'less_than_or_equal', field: 'value', value: 10000 }]))).toEqual([]);
  });

  it('when a change condition is on a trigger without a change, then it is flagged', () => {
    expect(warnings(draft([{ type: 'changed_to', field: 'stage', value: 'won' }], 'x', 'opportunity_created'))).toEqual([
      { path: 'conditions.0.field', message: expect.stringMatching(/carries no old_stage\/new_stage/) },
    ]);
  });
});

describe('testRule', () => {
  const context = { tenant_id: 'acme-corp', event_id: '0b7c4a8e-5d2f-4c1a-9e3b-7f6d5c4b3a21' };

  it('when the sample event matches, then each condition passes with the value it saw and the actions show their rendered parameters', () => {
    const result = testRule(catalogue, draft([{ type: 'value_threshold', value: 10000 }]), { type: 'high_value_opportunity', data: { opportunity_id: 'o1', opportunity_name: 'Big Deal', value: 25000 } }, context);
    expect(result).toMatchObject({ matched: true, trigger_matched: true, missing_placeholders: [], warnings: [] });
    expect(result.conditions).toEqual([{ index: 0, type: 'value_threshold', field: 'value', expected: 10000, actual: 25000, passed: true }]);
    expect(result.actions).toEqual([
      { index: 0, type: 'send_notification', status: 'would_run', missing_placeholders: [], parameters: { recipient: 'sales@example.com', message: 'New: Big Deal - $25000' } },
    ]);
  });

  it('when the sample event does not match, then the failing condition shows the value it saw and no action would run', () => {
    const result = testRule(catalogue, draft([{ type: 'value_threshold', value: 10000 }]), { type: 'high_value_opportunity', data: { opportunity_id: 'o1', value: 5000 } }, context);
    expect(result.matched).toBe(false);
    expect(result.conditions[0]).toMatchObject({ passed: false, actual: 5000, expected: 10000 });
    expect(result.actions[0]).toMatchObject({ status: 'not_run', missing_placeholders: ['opportunity_name'] });
    expect(result.missing_placeholders).toEqual(['opportunity_name']);
  });

  it('when a placeholder has no value, then the action would fail and names it, rather than send a half-rendered message', () => {
    const result = testRule(catalogue, draft([], 'Call {{opportunity_name}}'), { type: 'high_value_opportunity', data: { opportunity_id: 'o1', value: 1 } }, context);
    expect(result.actions[0]).toMatchObject({ status: 'would_fail', error: expect.stringContaining('{{opportunity_name}}'), parameters: { message: 'Call ' } });
  });

  it('when the sample is of another trigger or lacks required data, then it does not match and a warning says why', () => {
    const other = testRule(catalogue, draft([]), { type: 'deal_closed_won', data: { opportunity_id: 'o1', value: 1 } }, context);
    expect(other).toMatchObject({ matched: false, trigger_matched: false, warnings: [{ path: 'event.type' }] });
    const incomplete = testRule(catalogue, draft([]), { type: 'high_value_opportunity', data: { value: 1 } }, context);
    expect(incomplete.warnings).toEqual([{ path: 'event.data.opportunity_id', message: expect.stringContaining('required') }]);
  });
});

describe('webhook bodies', () => {
  it('when a call_webhook body names a placeholder the trigger lacks, then it is a warning at the body, and a test names it as missing', () => {
    const rule: RuleDraft = {
      module_type: 'sales',
      trigger_id: 'high_value_opportunity',
      conditions: [],
      actions: [ActionSchema.parse({ type: 'call_webhook', parameters: { url: 'https://hooks.example.com/x', body: { deal: '{{opportunity_nmae}}', value: '{{value}}' } } })],
    };
    expect(ruleWarnings(catalogue, rule)).toEqual([{ path: 'actions.0.parameters.body', message: expect.stringContaining("did you mean 'opportunity_name'") }]);
    const result = testRule(catalogue, rule, { type: 'high_value_opportunity', data: { opportunity_id: 'o1', value: 5 } }, { tenant_id: 't', event_id: 'e' });
    expect(result.actions[0]).toMatchObject({ status: 'would_fail', missing_placeholders: ['opportunity_nmae'], error: expect.stringContaining('(in body)') });
  });
});
