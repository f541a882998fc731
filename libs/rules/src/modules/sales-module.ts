import { OPPORTUNITY_DATA, changeFields, dataField } from './trigger-data.ts';
import { field, genericConditionTypes, trigger, type ModuleDefinition } from './trigger-definition.ts';

export const salesModule: ModuleDefinition = {
  module_type: 'sales',
  conditionTypes: [...genericConditionTypes, 'value_threshold'],
  changeFields: ['stage'],
  triggers: [
    trigger('sales', 'opportunity_created', 'When a new opportunity is created', { opportunity_id: field.id, opportunity_name: field.text }, OPPORTUNITY_DATA),
    trigger(
      'sales',
      'opportunity_stage_changed',
      'When an opportunity moves to a different stage',
      { opportunity_id: field.id, old_stage: field.text, new_stage: field.text },
      { ...OPPORTUNITY_DATA, ...changeFields('stage', 'prospecting', 'negotiation') },
    ),
    // Raised by a create or an update: the change fields are there only for an update.
    trigger('sales', 'deal_closed_won', 'When a deal is successfully closed', { opportunity_id: field.id, value: field.amount }, {
      ...OPPORTUNITY_DATA,
      ...changeFields('stage', 'negotiation', 'closed_won'),
    }),
    trigger('sales', 'deal_closed_lost', 'When a deal is lost', { opportunity_id: field.id, reason: field.text }, {
      ...OPPORTUNITY_DATA,
      ...changeFields('stage', 'negotiation', 'closed_lost'),
      reason: dataField('string', "Why the deal was lost ('not given' when no lost_reason was set)", 'price'),
    }),
    trigger('sales', 'high_value_opportunity', 'When an opportunity exceeds a value threshold', { opportunity_id: field.id, value: field.amount }, {
      ...OPPORTUNITY_DATA,
      ...changeFields('stage', 'prospecting', 'prospecting'),
      threshold: dataField('number', "The tenant's high_value_threshold the value reached", 10000),
    }),
  ],
};
