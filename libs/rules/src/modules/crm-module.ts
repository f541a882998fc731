import { CONTACT_DATA, LEAD_DATA, changeFields } from './trigger-data.ts';
import { field, genericConditionTypes, trigger, type ModuleDefinition } from './trigger-definition.ts';

export const crmModule: ModuleDefinition = {
  module_type: 'crm',
  conditionTypes: genericConditionTypes,
  changeFields: ['status'],
  triggers: [
    trigger('crm', 'contact_created', 'When a new contact is created', {}, CONTACT_DATA),
    trigger('crm', 'contact_updated', 'When a contact is updated', { contact_id: field.id }, { ...CONTACT_DATA, ...changeFields('status', 'new', 'new') }),
    trigger(
      'crm',
      'contact_status_changed',
      "When a contact's status changes",
      { contact_id: field.id, old_status: field.text, new_status: field.text },
      { ...CONTACT_DATA, ...changeFields('status', 'new', 'customer') },
    ),
    trigger('crm', 'lead_created', 'When a new lead is created', { lead_id: field.id }, LEAD_DATA),
    // Not in the spec's table: raised when update_status (or a PATCH) changes a lead's status.
    trigger(
      'crm',
      'lead_status_changed',
      "When a lead's status changes",
      { lead_id: field.id, old_status: field.text, new_status: field.text },
      { ...LEAD_DATA, ...changeFields('status', 'new', 'qualified') },
    ),
  ],
};
