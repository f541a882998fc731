import { describe, expect, it } from 'vitest';
import { actionsToApi, conditionsToQuery, openPlaceholder, queryToConditions, sampleData, toEditorAction, type Condition, type DataField, type Trigger } from '../src/model.ts';

const FIELDS: DataField[] = [
  { name: 'value', type: 'number' },
  { name: 'stage', type: 'string' },
  { name: 'opportunity_id', type: 'id' },
];

/** What the builder hands back for the rule's own conditions, untouched by the user. */
const roundTrip = (conditions: Condition[]) => queryToConditions(conditionsToQuery(conditions), FIELDS);

describe('condition tree ↔ query builder', () => {
  it('when a rule with nested any/all groups is loaded and saved unchanged, then its conditions come back equal', () => {
    const conditions: Condition[] = [
      { type: 'value_threshold', value: 10000 },
      {
        type: 'any',
        conditions: [
          { type: 'equals', field: 'stage', value: 'negotiation' },
          { type: 'all', conditions: [{ type: 'in', field: 'stage', value: ['won', 'lost'] }, { type: 'exists', field: 'owner', value: false }] },
        ],
      },
      { type: 'changed_to', field: 'stage', value: 'closed_won' },
      { type: 'changed', field: 'stage' },
    ];
    expect(roundTrip(conditions)).toEqual(conditions);
  });

  it('when the only condition is an any group, then the builder opens on it and saves it as that one group', () => {
    const conditions: Condition[] = [{ type: 'any', conditions: [{ type: 'less_than', field: 'value', value: 5 }, { type: 'equals', field: 'stage', value: 'x' }] }];
    expect(conditionsToQuery(conditions).combinator).toBe('or');
    expect(roundTrip(conditions)).toEqual(conditions);
  });

  it('when values are typed as text, then they take the described field type: numbers for number fields, text for string fields', () => {
    const query = {
      combinator: 'and',
      rules: [
        { field: 'value', operator: 'greater_than', value: '5000' },
        { field: 'stage', operator: 'equals', value: '42' },
        { field: 'opportunity_id', operator: 'in', value: '7, a1 ,' },
        { field: 'value', operator: 'value_threshold', value: '10000' },
      ],
    };
    expect(queryToConditions(query, FIELDS)).toEqual([
      { type: 'greater_than', field: 'value', value: 5000 },
      { type: 'equals', field: 'stage', value: '42' },
      { type: 'in', field: 'opportunity_id', value: [7, 'a1'] },
      { type: 'value_threshold', value: 10000 },
    ]);
  });
});

describe('placeholders', () => {
  it('when the caret is inside an unfinished {{, then the partial name is offered for completion, and not after }}', () => {
    expect(openPlaceholder('Hi {{opp', 8)).toEqual({ start: 3, partial: 'opp' });
    expect(openPlaceholder('Hi {{opp}} x', 12)).toBeNull();
    expect(openPlaceholder('Hi {{ not a name', 16)).toBeNull();
  });

  it("when a trigger has no sample, then one is made from its fields' examples and types", () => {
    const trigger: Trigger = {
      id: 't',
      module_type: 'sales',
      description: '',
      required_data: ['value'],
      data: [
        { name: 'value', type: 'number' },
        { name: 'name', type: 'string', example: 'Big Deal' },
      ],
    };
    expect(sampleData(trigger)).toEqual({ value: 0, name: 'Big Deal' });
  });
});

describe('actions ↔ editor', () => {
  it('when a webhook action with headers, a body and a delay is loaded and saved unchanged, then it comes back equal', () => {
    const action = {
      type: 'call_webhook',
      parameters: { url: 'https://hooks.example/{{tenant_id}}', method: 'PUT', headers: { 'X-Source': 'flowline' }, body: { deal: '{{opportunity_name}}', n: 1 } },
      delay: 'PT30M',
      run_if_rule_inactive: true,
    };
    expect(actionsToApi([toEditorAction(action)])).toEqual({ actions: [action], errors: [] });
  });

  it('when a JSON parameter is not valid JSON or an optional one is empty, then the first is reported at its path and the second left out', () => {
    const edited = { ...toEditorAction({ type: 'call_webhook', parameters: { url: 'https://x.example' } }), params: { url: 'https://x.example', method: '', headers: '{"a":' } };
    const { actions, errors } = actionsToApi([edited]);
    expect(actions[0]!.parameters).toEqual({ url: 'https://x.example' });
    expect(errors).toEqual([{ path: 'actions.0.parameters.headers', message: expect.stringContaining('not valid JSON') }]);
  });
});
