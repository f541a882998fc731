import { describe, expect, it } from 'vitest';
import { ConditionSchema } from '@flowline/contracts';
import { catalogue, checkEventData, checkRuleAgainstCatalogue } from '@flowline/rules';

describe('catalogue', () => {
  it('when listed, then CRM has the spec’s 4 triggers plus lead_status_changed and Sales its 5, with their required data', () => {
    expect(catalogue.triggers('crm').map((t) => t.id)).toEqual(['contact_created', 'contact_updated', 'contact_status_changed', 'lead_created', 'lead_status_changed']);
    expect(catalogue.triggers('sales').map((t) => t.id)).toEqual([
      'opportunity_created',
      'opportunity_stage_changed',
      'deal_closed_won',
      'deal_closed_lost',
      'high_value_opportunity',
    ]);
    expect(catalogue.trigger('contact_status_changed')?.required_data).toEqual(['contact_id', 'old_status', 'new_status']);
    expect(catalogue.trigger('high_value_opportunity')?.required_data).toEqual(['opportunity_id', 'value']);
    expect(catalogue.triggers()).toHaveLength(10);
  });
});

describe('checkRuleAgainstCatalogue', () => {
  it('when the trigger belongs to another module, then the issue names trigger_id', () => {
    expect(checkRuleAgainstCatalogue(catalogue, { module_type: 'crm', trigger_id: 'deal_closed_won', conditions: [] })).toEqual([
      { path: 'trigger_id', message: expect.stringContaining("belongs to module 'sales'") },
    ]);
  });
  it('when a CRM rule uses value_threshold, then the issue names the condition', () => {
    const conditions = [ConditionSchema.parse({ type: 'value_threshold', value: 1 })];
    expect(checkRuleAgainstCatalogue(catalogue, { module_type: 'crm', trigger_id: 'lead_created', conditions })).toEqual([
      { path: 'conditions.0.type', message: expect.stringContaining('not available') },
    ]);
  });
  it('when the rule is consistent, then there are no issues', () => {
    const conditions = [ConditionSchema.parse({ type: 'value_threshold', value: 1 })];
    expect(checkRuleAgainstCatalogue(catalogue, { module_type: 'sales', trigger_id: 'high_value_opportunity', conditions })).toEqual([]);
  });
});

describe('checkEventData', () => {
  it('when required data is missing or of the wrong type, then each field is named', () => {
    const issues = checkEventData(catalogue, 'high_value_opportunity', { value: 'lots' });
    expect(issues.map((i) => i.path).sort()).toEqual(['data.opportunity_id', 'data.value']);
    expect(issues.find((i) => i.path === 'data.opportunity_id')?.message).toMatch(/required/);
  });
  it('when the data is complete, then extra fields are allowed', () => {
    expect(checkEventData(catalogue, 'high_value_opportunity', { opportunity_id: 'o1', value: 1, extra: true })).toEqual([]);
    expect(checkEventData(catalogue, 'contact_created', {})).toEqual([]);
  });
  it('when the trigger is unknown, then the issue names type', () => {
    expect(checkEventData(catalogue, 'nope', {})).toEqual([{ path: 'type', message: "unknown trigger 'nope'" }]);
  });
});
