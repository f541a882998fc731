import { describe, expect, it } from 'vitest';
import { ConditionSchema, type Condition } from '@flowline/contracts';
import { catalogue, checkRuleAgainstCatalogue, evaluateConditions } from '@flowline/rules';

const parse = (conditions: unknown[]): Condition[] => conditions.map((c) => ConditionSchema.parse(c));
const matches = (conditions: unknown[], data: Record<string, unknown>) => evaluateConditions(parse(conditions), data).matched;

const toCustomer = { old_status: 'lead', new_status: 'customer' };

describe('change conditions', () => {
  it.each([
    [{ type: 'changed', field: 'status' }, toCustomer, true],
    [{ type: 'changed', field: 'status' }, { old_status: 'lead', new_status: 'lead' }, false],
    [{ type: 'changed', field: 'status' }, { status: 'customer' }, false],
    [{ type: 'changed_to', field: 'status', value: 'customer' }, toCustomer, true],
    [{ type: 'changed_to', field: 'status', value: 'lead' }, toCustomer, false],
    [{ type: 'changed_to', field: 'status', value: 'customer' }, { old_status: 'customer', new_status: 'customer' }, false],
    [{ type: 'changed_from', field: 'status', value: 'lead' }, toCustomer, true],
    [{ type: 'changed_from', field: 'status', value: 'customer' }, toCustomer, false],
    [{ type: 'changed_to', field: 'stage', value: 'closed_won' }, { old_stage: 'negotiation', new_stage: 'closed_won' }, true],
  ])('when %j meets %j, then it is %s', (condition, data, expected) => {
    expect(matches([condition], data)).toBe(expected);
  });

  it('when a change condition is evaluated, then the outcome shows the old and new values it saw', () => {
    const { outcomes } = evaluateConditions(parse([{ type: 'changed_to', field: 'status', value: 'customer' }]), toCustomer);
    expect(outcomes[0]).toMatchObject({ type: 'changed_to', field: 'status', expected: 'customer', actual: { old: 'lead', new: 'customer' }, passed: true });
  });
});

describe('any / all groups', () => {
  const bigOrWon = {
    type: 'any',
    conditions: [
      { type: 'greater_than', field: 'value', value: 50000 },
      { type: 'all', conditions: [{ type: 'changed_to', field: 'stage', value: 'closed_won' }, { type: 'equals', field: 'currency', value: 'USD' }] },
    ],
  };

  it('when groups nest, then any needs one branch and all needs every one', () => {
    expect(matches([bigOrWon], { value: 60000 })).toBe(true);
    expect(matches([bigOrWon], { value: 100, currency: 'USD', old_stage: 'a', new_stage: 'closed_won' })).toBe(true);
    expect(matches([bigOrWon], { value: 100, currency: 'EUR', old_stage: 'a', new_stage: 'closed_won' })).toBe(false);
  });

  it('when the top level is a flat list, then it still means all', () => {
    const flat = [{ type: 'equals', field: 'a', value: 1 }, { type: 'equals', field: 'b', value: 2 }];
    expect(matches(flat, { a: 1, b: 2 })).toBe(true);
    expect(matches(flat, { a: 1, b: 3 })).toBe(false);
  });

  it('when a group is evaluated, then its outcome lists each inner outcome', () => {
    const { outcomes } = evaluateConditions(parse([bigOrWon]), { value: 60000 });
    expect(outcomes[0]).toMatchObject({ type: 'any', passed: true, conditions: [{ passed: true }, { type: 'all', passed: false }] });
  });

  it('when a group is empty or names an unknown type inside, then the schema refuses it with the path', () => {
    expect(ConditionSchema.safeParse({ type: 'all', conditions: [] }).success).toBe(false);
    const inner = ConditionSchema.safeParse({ type: 'any', conditions: [{ type: 'regex', field: 'x', value: '.' }] });
    expect(inner.success).toBe(false);
    expect(inner.error?.issues[0]?.path).toEqual(['conditions', 0, 'type']);
  });
});

describe('module validation of change conditions', () => {
  it('when a CRM rule asks about stage or a Sales rule about status, then the issue names the nested field', () => {
    const crm = parse([{ type: 'any', conditions: [{ type: 'changed_to', field: 'stage', value: 'closed_won' }] }]);
    expect(checkRuleAgainstCatalogue(catalogue, { module_type: 'crm', trigger_id: 'contact_status_changed', conditions: crm })).toEqual([
      { path: 'conditions.0.conditions.0.field', message: expect.stringContaining("tracks changes of status, not 'stage'") },
    ]);
    const sales = parse([{ type: 'changed', field: 'status' }]);
    expect(checkRuleAgainstCatalogue(catalogue, { module_type: 'sales', trigger_id: 'opportunity_stage_changed', conditions: sales })).toEqual([
      { path: 'conditions.0.field', message: expect.stringContaining('tracks changes of stage') },
    ]);
  });

  it('when value_threshold hides in a CRM group, or groups nest too deep, then each is an issue', () => {
    const hidden = parse([{ type: 'all', conditions: [{ type: 'value_threshold', value: 1 }] }]);
    expect(checkRuleAgainstCatalogue(catalogue, { module_type: 'crm', trigger_id: 'lead_created', conditions: hidden })[0]?.path).toBe('conditions.0.conditions.0.type');
    let deep: unknown = { type: 'exists', field: 'x' };
    for (let i = 0; i < 5; i++) deep = { type: 'all', conditions: [deep] };
    const issues = checkRuleAgainstCatalogue(catalogue, { module_type: 'crm', trigger_id: 'lead_created', conditions: parse([deep]) });
    expect(issues).toEqual([{ path: 'conditions.0.conditions.0.conditions.0.conditions.0', message: expect.stringContaining('at most 4 levels') }]);
  });

  it('when the rule uses change conditions the module tracks, then there are no issues', () => {
    const conditions = parse([{ type: 'changed_to', field: 'status', value: 'customer' }]);
    expect(checkRuleAgainstCatalogue(catalogue, { module_type: 'crm', trigger_id: 'contact_status_changed', conditions })).toEqual([]);
  });
});
