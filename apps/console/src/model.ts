import type { RuleGroupType, RuleType } from 'react-querybuilder';

/** The api's shapes, as far as the console reads them (libs/contracts is the source of truth). */

export type ModuleType = 'crm' | 'sales';

export interface DataField {
  name: string;
  type: string;
  description?: string;
  example?: unknown;
  required?: boolean;
}

export interface Trigger {
  id: string;
  module_type: ModuleType;
  description: string;
  required_data: string[];
  /** The trigger's data description; servers without it list only `required_data`. */
  data?: DataField[];
  sample_data?: Record<string, unknown>;
}

export interface Condition {
  type: string;
  field?: string;
  value?: unknown;
  conditions?: Condition[];
}

/** An action as the api stores it; `delay` / `run_at` schedule it (see libs/contracts action.ts). */
export interface Action {
  type: string;
  parameters: Record<string, unknown>;
  delay?: string;
  run_at?: string;
  run_if_rule_inactive?: boolean;
}

/** An action as the editor holds it: every parameter as text (JSON for object-valued ones). */
export interface EditorAction {
  type: string;
  params: Record<string, string>;
  delay: string;
  run_at: string;
  run_if_rule_inactive: boolean;
}

export interface Rule extends Draft {
  id: string;
  version?: number;
  created_at: string;
  updated_at: string;
}

export interface Warning {
  path: string;
  message: string;
}

export interface ConditionOutcome {
  index: number;
  type: string;
  field?: string;
  expected: unknown;
  actual?: unknown;
  passed: boolean;
  conditions?: ConditionOutcome[];
}

/** Placeholders the engine adds to every event's data when it renders. */
export const CONTEXT_FIELDS: DataField[] = [
  { name: 'tenant_id', type: 'string', description: "The event's tenant" },
  { name: 'event_id', type: 'string', description: "The event's id" },
  { name: 'trigger_id', type: 'string', description: "The event's trigger" },
];

/** The fields a trigger's events carry: its data description, else just its required names. */
export function triggerFields(trigger: Trigger | undefined): DataField[] {
  if (!trigger) return [];
  if (trigger.data && trigger.data.length > 0) return trigger.data;
  return trigger.required_data.map((name) => ({ name, type: 'unknown', required: true }));
}

/** A sample event's data: the server's sample, else one made from the field types. */
export function sampleData(trigger: Trigger | undefined): Record<string, unknown> {
  if (!trigger) return {};
  if (trigger.sample_data) return trigger.sample_data;
  const fields = triggerFields(trigger);
  return Object.fromEntries(
    fields.map((f) => [f.name, f.example ?? (f.type === 'number' ? 0 : f.type === 'boolean' ? false : f.type === 'array' ? [] : `sample ${f.name}`)]),
  );
}

export interface ParameterSpec {
  name: string;
  required: boolean;
  multiline?: boolean;
  options?: string[];
  /** Edited as JSON text (an object or array), not a template string. */
  json?: boolean;
  hint?: string;
}

/** The parameters of each action type; `required` ones must be non-empty (libs/contracts action.ts). */
export const ACTION_PARAMETERS: Record<string, ParameterSpec[]> = {
  send_notification: [
    { name: 'recipient', required: true },
    { name: 'subject', required: false },
    { name: 'message', required: true, multiline: true },
  ],
  create_task: [
    { name: 'title', required: true },
    { name: 'description', required: false, multiline: true },
    { name: 'due_date', required: false },
    { name: 'due_in', required: false, hint: 'an ISO-8601 duration after the event, e.g. P2D or PT4H' },
    { name: 'assignee', required: false },
  ],
  update_status: [
    { name: 'entity_id', required: true },
    { name: 'new_status', required: true },
    { name: 'entity_type', required: false, options: ['', 'contact', 'lead', 'opportunity'] },
  ],
  call_webhook: [
    { name: 'url', required: true },
    { name: 'method', required: false, options: ['', 'POST', 'GET', 'PUT', 'PATCH', 'DELETE'] },
    { name: 'headers', required: false, json: true, multiline: true, hint: 'a JSON object of header names to values' },
    { name: 'body', required: false, json: true, multiline: true, hint: 'JSON; strings in it may hold {{placeholders}}; empty sends the default envelope' },
  ],
};

/** The parameters the editor shows for an action: its type's, then any others it already has. */
export function parameterSpecs(action: EditorAction): ParameterSpec[] {
  const known = ACTION_PARAMETERS[action.type] ?? [];
  const extra = Object.keys(action.params).filter((name) => !known.some((p) => p.name === name));
  return [...known, ...extra.map((name) => ({ name, required: false, json: /^\s*[[{]/.test(action.params[name] ?? '') }))];
}

export function toEditorAction(action: Action): EditorAction {
  return {
    type: action.type,
    params: Object.fromEntries(Object.entries(action.parameters).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v, null, 2)])),
    delay: action.delay ?? '',
    run_at: action.run_at ?? '',
    run_if_rule_inactive: action.run_if_rule_inactive ?? false,
  };
}

export const newEditorAction = (type = 'send_notification'): EditorAction => ({ type, params: {}, delay: '', run_at: '', run_if_rule_inactive: false });

/**
 * The editor's actions as the api takes them: empty optional parameters left out (the api refuses
 * empty strings), JSON ones parsed. A parameter that is not valid JSON is reported, not sent.
 */
export function actionsToApi(actions: EditorAction[]): { actions: Action[]; errors: Warning[] } {
  const errors: Warning[] = [];
  const result = actions.map((action, index): Action => {
    const parameters: Record<string, unknown> = {};
    for (const spec of parameterSpecs(action)) {
      const text = action.params[spec.name];
      if (text === undefined || text.trim() === '') continue;
      if (!spec.json) {
        parameters[spec.name] = text;
        continue;
      }
      try {
        parameters[spec.name] = JSON.parse(text);
      } catch (e) {
        errors.push({ path: `actions.${index}.parameters.${spec.name}`, message: `not valid JSON: ${(e as Error).message}` });
      }
    }
    return {
      type: action.type,
      parameters,
      ...(action.delay.trim() ? { delay: action.delay.trim() } : {}),
      ...(action.run_at.trim() ? { run_at: action.run_at.trim() } : {}),
      ...(action.run_if_rule_inactive ? { run_if_rule_inactive: true } : {}),
    };
  });
  return { actions: result, errors };
}

/** Condition types as query-builder operators; `arity` 1 means the condition takes no value. */
export const OPERATORS: Array<{ name: string; label: string; arity?: 'unary'; modules?: ModuleType[] }> = [
  { name: 'value_threshold', label: 'is at least (threshold)', modules: ['sales'] },
  { name: 'equals', label: 'equals' },
  { name: 'not_equals', label: 'does not equal' },
  { name: 'greater_than', label: 'is greater than' },
  { name: 'greater_than_or_equal', label: 'is greater than or equal to' },
  { name: 'less_than', label: 'is less than' },
  { name: 'less_than_or_equal', label: 'is less than or equal to' },
  { name: 'contains', label: 'contains' },
  { name: 'in', label: 'is one of (comma-separated)' },
  { name: 'exists', label: 'is present', arity: 'unary' },
  { name: 'not_exists', label: 'is absent', arity: 'unary' },
  { name: 'changed', label: 'changed', arity: 'unary' },
  { name: 'changed_to', label: 'changed to' },
  { name: 'changed_from', label: 'changed from' },
];

const NUMERIC = /^-?\d+(\.\d+)?$/;

/** Text from an input as the value the condition needs, using the field's described type. */
function typedValue(raw: unknown, fieldType: string | undefined, forceNumber = false): unknown {
  if (typeof raw !== 'string') return raw;
  const text = raw.trim();
  if (forceNumber || fieldType === 'number') return NUMERIC.test(text) ? Number(text) : text;
  if (fieldType === 'boolean' && (text === 'true' || text === 'false')) return text === 'true';
  if ((fieldType === undefined || fieldType === 'unknown' || fieldType === 'id') && NUMERIC.test(text)) return Number(text);
  return text;
}

function toRule(condition: Condition): RuleType | RuleGroupType {
  if (condition.type === 'all' || condition.type === 'any') {
    return { combinator: condition.type === 'all' ? 'and' : 'or', rules: (condition.conditions ?? []).map(toRule) };
  }
  const field = condition.field ?? (condition.type === 'value_threshold' ? 'value' : '');
  if (condition.type === 'exists') return { field, operator: condition.value === false ? 'not_exists' : 'exists', value: '' };
  const value = Array.isArray(condition.value) ? condition.value.join(', ') : condition.value === undefined ? '' : String(condition.value);
  return { field, operator: condition.type, value };
}

/** A rule's conditions (a list that means "all") as the query builder's tree. */
export function conditionsToQuery(conditions: Condition[]): RuleGroupType {
  if (conditions.length === 1 && (conditions[0]!.type === 'any' || conditions[0]!.type === 'all')) {
    return toRule(conditions[0]!) as RuleGroupType;
  }
  return { combinator: 'and', rules: conditions.map(toRule) };
}

function fromRule(node: RuleType | RuleGroupType, types: Map<string, string>): Condition {
  if ('rules' in node) {
    return { type: node.combinator === 'or' ? 'any' : 'all', conditions: node.rules.filter((r) => typeof r !== 'string').map((r) => fromRule(r as RuleType | RuleGroupType, types)) };
  }
  const field = String(node.field ?? '').trim();
  const fieldType = types.get(field);
  switch (node.operator) {
    case 'exists':
      return { type: 'exists', field, value: true };
    case 'not_exists':
      return { type: 'exists', field, value: false };
    case 'changed':
      return { type: 'changed', field };
    case 'value_threshold':
      return { type: 'value_threshold', ...(field && field !== 'value' ? { field } : {}), value: typedValue(node.value, 'number', true) };
    case 'in':
      return {
        type: 'in',
        field,
        value: String(node.value ?? '')
          .split(',')
          .map((part) => part.trim())
          .filter((part) => part !== '')
          .map((part) => typedValue(part, fieldType)),
      };
    default:
      return { type: node.operator, field, value: typedValue(node.value, fieldType) };
  }
}

/** The query builder's tree as the rule's conditions: a top-level "all" becomes the plain list. */
export function queryToConditions(query: RuleGroupType, fields: DataField[]): Condition[] {
  const types = new Map(fields.map((f) => [f.name, f.type]));
  const root = fromRule(query, types);
  return root.type === 'all' ? (root.conditions ?? []) : [root];
}

/** The `{{path}}` placeholders in a text, and the partial one the caret is in (for autocomplete). */
export function openPlaceholder(text: string, caret: number): { start: number; partial: string } | null {
  const before = text.slice(0, caret);
  const open = before.lastIndexOf('{{');
  if (open < 0 || before.indexOf('}}', open) >= 0) return null;
  const partial = before.slice(open + 2);
  return /^[A-Za-z0-9_.]*$/.test(partial) ? { start: open, partial } : null;
}

export function placeholdersIn(text: string): string[] {
  return [...text.matchAll(/\{\{\s*([A-Za-z0-9_.]+)\s*\}\}/g)].map((m) => m[1]!);
}

/** A rule body as the api takes it (POST), from the editor's state. */
export interface Draft {
  name: string;
  description: string;
  module_type: ModuleType;
  trigger_id: string;
  conditions: Condition[];
  actions: Action[];
  is_active: boolean;
}
