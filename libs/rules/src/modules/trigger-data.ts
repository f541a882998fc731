/**
 * What a trigger's event data carries, field by field: the modules own it, the api lists it
 * (`GET /automation/triggers`), save-time warnings check rules against it, and the console
 * builds autocomplete and sample events from it.
 */

/** `id` is a string or a number (entity ids are UUIDs, events from outside may use numbers). */
export type DataFieldType = 'string' | 'number' | 'boolean' | 'array' | 'id';

export interface DataFieldSpec {
  type: DataFieldType;
  description: string;
  /** A plausible value, for sample events. */
  example: unknown;
}

export interface DataField extends DataFieldSpec {
  name: string;
  /** The event is refused without it; the others are carried by the modules' own events. */
  required: boolean;
}

const spec = (type: DataFieldType, description: string, example: unknown): DataFieldSpec => ({ type, description, example });

/** The fields every event a module raises for an entity carries (see eventsForChange). */
function entityFields(entity: 'contact' | 'lead' | 'opportunity', name: string): Record<string, DataFieldSpec> {
  return {
    [`${entity}_id`]: spec('id', `The ${entity}'s id`, '6f1c2b9e-4d7a-4c1e-9b2f-1a2b3c4d5e6f'),
    [`${entity}_name`]: spec('string', `The ${entity}'s name`, name),
    entity_type: spec('string', 'contact, lead or opportunity', entity),
    entity_id: spec('id', "The entity's id", '6f1c2b9e-4d7a-4c1e-9b2f-1a2b3c4d5e6f'),
    name: spec('string', `The ${entity}'s name`, name),
    version: spec('number', "The entity's version after the change", 1),
  };
}

export const CONTACT_DATA = {
  ...entityFields('contact', 'Ada Lovelace'),
  email: spec('string', "The contact's e-mail address", 'ada@example.com'),
  status: spec('string', "The contact's status", 'new'),
};

export const LEAD_DATA = {
  ...entityFields('lead', 'Website visitor'),
  source: spec('string', 'Where the lead came from', 'website'),
  status: spec('string', "The lead's status", 'new'),
};

export const OPPORTUNITY_DATA = {
  ...entityFields('opportunity', 'Big Deal'),
  value: spec('number', "The opportunity's value", 25000),
  currency: spec('string', 'ISO 4217 currency code', 'USD'),
  stage: spec('string', "The opportunity's stage", 'prospecting'),
  owner: spec('string', 'Who owns the opportunity', 'sam@example.com'),
  lost_reason: spec('string', 'Why the deal was lost, when given', 'price'),
};

/** What an update event adds: the tracked field's before and after, and the fields that changed. */
export function changeFields(tracked: 'status' | 'stage', before: string, after: string): Record<string, DataFieldSpec> {
  return {
    [`old_${tracked}`]: spec('string', `The ${tracked} before the change`, before),
    [`new_${tracked}`]: spec('string', `The ${tracked} after the change`, after),
    changed_fields: spec('array', 'The names of the fields the change touched', [tracked]),
  };
}

export { spec as dataField };

/** Placeholders can name these besides the event data (the engine adds them to the render context). */
export const CONTEXT_FIELDS: readonly DataField[] = [
  { name: 'tenant_id', type: 'string', required: true, description: "The event's tenant", example: 'acme-corp' },
  { name: 'event_id', type: 'string', required: true, description: "The event's id", example: '0b7c4a8e-5d2f-4c1a-9e3b-7f6d5c4b3a21' },
  { name: 'trigger_id', type: 'string', required: true, description: "The event's trigger", example: 'high_value_opportunity' },
];

/** Event data made of each described field's example: a sample event for a trigger. */
export function sampleData(fields: readonly DataField[]): Record<string, unknown> {
  return Object.fromEntries(fields.map((f) => [f.name, f.example]));
}
