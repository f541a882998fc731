import { field, genericConditionTypes, trigger, type ModuleDefinition } from './trigger-definition.ts';

export const salesModule: ModuleDefinition = {
  module_type: 'sales',
  conditionTypes: [...genericConditionTypes, 'value_threshold'],
  changeFields: ['stage'],
  triggers: [
    trigger('sales', 'opportunity_created', 'When a new opportunity is created', {
      opportunity_id: field.id,
      opportunity_name: field.text,
    }),
    trigger('sales', 'opportunity_stage_changed', 'When an opportunity moves to a different stage', {
      opportunity_id: field.id,
      old_stage: field.text,
      new_stage: field.text,
    }),
    trigger('sales', 'deal_closed_won', 'When a deal is successfully closed', { opportunity_id: field.id, value: field.amount }),
    trigger('sales', 'deal_closed_lost', 'When a deal is lost', { opportunity_id: field.id, reason: field.text }),
    trigger('sales', 'high_value_opportunity', 'When an opportunity exceeds a value threshold', {
      opportunity_id: field.id,
      value: field.amount,
    }),
  ],
};
