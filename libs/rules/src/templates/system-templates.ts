import type { ModuleType } from '@flowline/contracts';

/** One named placeholder of a template, written `[[name]]` in its rule. */
export interface TemplateParameter {
  name: string;
  description: string;
  type: 'string' | 'number' | 'email';
  /** A parameter with a default may be left out. */
  default?: string | number;
}

/**
 * A ready-made rule (the spec's "System Templates"). `[[name]]` placeholders are filled from
 * the parameters when a rule is made from it; `{{path}}` ones stay, for the engine to render
 * from each event. A string that is exactly one placeholder takes the parameter's own type,
 * so `[[threshold]]` becomes a number.
 */
export interface RuleTemplate {
  id: string;
  name: string;
  description: string;
  module_type: ModuleType;
  trigger_id: string;
  parameters: TemplateParameter[];
  rule: { name: string; description: string; conditions: unknown[]; actions: unknown[] };
}

export const SYSTEM_TEMPLATES: readonly RuleTemplate[] = [
  {
    id: 'high_value_deal_alert',
    name: 'High value deal alert',
    description: 'Notify someone when an opportunity reaches a value.',
    module_type: 'sales',
    trigger_id: 'high_value_opportunity',
    parameters: [
      { name: 'recipient', description: 'Who is told, e.g. the sales manager', type: 'email' },
      { name: 'threshold', description: 'Smallest value that counts as high', type: 'number', default: 10_000 },
    ],
    rule: {
      name: 'High value deal alert',
      description: 'Notify [[recipient]] about deals of [[threshold]] or more',
      conditions: [{ type: 'value_threshold', value: '[[threshold]]' }],
      actions: [
        {
          type: 'send_notification',
          parameters: { recipient: '[[recipient]]', message: 'New high-value opportunity: {{opportunity_name}} - ${{value}}' },
        },
      ],
    },
  },
  {
    id: 'new_lead_follow_up',
    name: 'Follow up new leads',
    description: 'Create a follow-up task for every new lead.',
    module_type: 'crm',
    trigger_id: 'lead_created',
    parameters: [
      { name: 'assignee', description: 'Who gets the task', type: 'email' },
      { name: 'due_in', description: 'When it is due, as text, e.g. "within 2 days"', type: 'string', default: 'within 2 days' },
    ],
    rule: {
      name: 'Follow up new leads',
      description: 'A task for [[assignee]] per new lead',
      conditions: [],
      actions: [
        {
          type: 'create_task',
          parameters: { title: 'Follow up with {{lead_name}} (from {{source}})', assignee: '[[assignee]]', due_date: '[[due_in]]' },
        },
      ],
    },
  },
  {
    id: 'lost_deal_notification',
    name: 'Notify on lost deal',
    description: 'Tell someone why a deal was lost.',
    module_type: 'sales',
    trigger_id: 'deal_closed_lost',
    parameters: [{ name: 'recipient', description: 'Who is told', type: 'email' }],
    rule: {
      name: 'Notify on lost deal',
      description: 'Tell [[recipient]] about lost deals',
      conditions: [],
      actions: [
        {
          type: 'send_notification',
          parameters: {
            recipient: '[[recipient]]',
            subject: 'Deal lost: {{opportunity_name}}',
            message: '{{opportunity_name}} ({{value}} {{currency}}, owner {{owner}}) was lost: {{reason}}',
          },
        },
      ],
    },
  },
  {
    id: 'escalate_contact_status',
    name: "Escalate a contact's status",
    description: 'When a contact reaches one status, move it on to another and tell someone.',
    module_type: 'crm',
    trigger_id: 'contact_status_changed',
    parameters: [
      { name: 'from_status', description: 'The status that needs escalating, e.g. at_risk', type: 'string' },
      { name: 'to_status', description: 'The status it is escalated to', type: 'string', default: 'escalated' },
      { name: 'recipient', description: 'Who is told', type: 'email' },
    ],
    rule: {
      name: 'Escalate [[from_status]] contacts',
      description: 'Contacts that become [[from_status]] are set to [[to_status]]',
      conditions: [{ type: 'changed_to', field: 'status', value: '[[from_status]]' }],
      actions: [
        { type: 'update_status', parameters: { entity_type: 'contact', entity_id: '{{contact_id}}', new_status: '[[to_status]]' } },
        { type: 'send_notification', parameters: { recipient: '[[recipient]]', message: '{{contact_name}} ({{email}}) was escalated to [[to_status]]' } },
      ],
    },
  },
];
