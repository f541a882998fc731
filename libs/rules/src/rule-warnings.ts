import { closest, distance } from 'fastest-levenshtein';
import type { Action, Condition, ModuleType } from '@flowline/contracts';
import type { Catalogue } from './catalogue.ts';
import { placeholdersOf } from './compile-rule.ts';
import { CONTEXT_FIELDS, type DataField, type DataFieldType } from './modules/trigger-data.ts';
import type { ValidationIssue } from './validation.ts';

/** The parts of a rule the warnings look at; the rule has passed validation already. */
export interface RuleDraft {
  module_type: ModuleType;
  trigger_id: string;
  conditions: readonly Condition[];
  actions: readonly Action[];
}

/**
 * Likely mistakes in a valid rule, checked against its trigger's data description: a condition
 * on a field the trigger never carries, a placeholder it does not provide, a comparison whose
 * value cannot match the field's type, and conditions that can never hold together. Each would
 * make the rule silently never fire (or fail its actions); none is an error, since events
 * published from outside may carry more than the modules describe.
 */
export function ruleWarnings(catalogue: Catalogue, rule: RuleDraft): ValidationIssue[] {
  const trigger = catalogue.trigger(rule.trigger_id);
  if (!trigger) return [];
  const fields = new Map(trigger.data.map((f) => [f.name, f]));
  const warnings: ValidationIssue[] = [];
  const where = `trigger '${trigger.id}'`;
  checkConditionList(rule.conditions, 'conditions', 'all', { fields, where, warnings });
  rule.actions.forEach((action, index) => {
    for (const [name, raw] of Object.entries(action.parameters)) {
      // A webhook body is a JSON template: its strings hold placeholders too.
      for (const path of placeholdersOf(typeof raw === 'string' ? raw : JSON.stringify(raw ?? null))) {
        const top = path.split('.')[0]!;
        if (fields.has(top) || CONTEXT_FIELDS.some((f) => f.name === top)) continue;
        const names = [...fields.keys(), ...CONTEXT_FIELDS.map((f) => f.name)];
        warnings.push({
          path: `actions.${index}.parameters.${name}`,
          message: `placeholder '{{${path}}}' is not in the data of ${where}${hint(top, names)}; at run time the action fails for want of it`,
        });
      }
    }
  });
  return warnings;
}

interface Scope {
  fields: ReadonlyMap<string, DataField>;
  where: string;
  warnings: ValidationIssue[];
}

function checkConditionList(conditions: readonly Condition[], path: string, mode: 'all' | 'any', scope: Scope): void {
  conditions.forEach((condition, index) => {
    const at = `${path}.${index}`;
    if (condition.type === 'all' || condition.type === 'any') checkConditionList(condition.conditions, `${at}.conditions`, condition.type, scope);
    else checkLeaf(condition as Leaf, at, scope);
  });
  if (mode === 'all') {
    const conflict = contradiction(conditions);
    if (conflict) scope.warnings.push({ path, message: `these conditions can never all hold: ${conflict}, so the rule never matches` });
  }
}

type Leaf = Exclude<Condition, { type: 'all' | 'any' }>;

function checkLeaf(condition: Leaf, at: string, scope: Scope): void {
  const { fields, where, warnings } = scope;
  if (condition.type === 'changed' || condition.type === 'changed_to' || condition.type === 'changed_from') {
    if (!fields.has(`new_${condition.field}`)) {
      warnings.push({ path: `${at}.field`, message: `${where} carries no old_${condition.field}/new_${condition.field}, so this condition never holds` });
    }
    if ('value' in condition && typeof condition.value !== 'string') {
      warnings.push({ path: `${at}.value`, message: `${condition.field} is a string, so the ${typeof condition.value} ${JSON.stringify(condition.value)} never matches it` });
    }
    return;
  }
  const path = condition.field ?? 'value';
  const segments = path.split('.');
  const field = fields.get(segments[0]!);
  if (!field) {
    warnings.push({ path: `${at}.field`, message: `field '${segments[0]}' is not in the data of ${where}${hint(segments[0]!, [...fields.keys()])}; a missing field makes the condition false` });
    return;
  }
  // Deeper paths read into values the description does not detail.
  if (segments.length > 1) return;
  const mismatch = typeMismatch(condition, field.type);
  // A not_equals that cannot be equal is as much a mistake: it holds whenever the field is there.
  const outcome = condition.type === 'not_equals' ? 'always holds when the field is present' : 'never holds';
  if (mismatch) warnings.push({ path: `${at}.value`, message: `${mismatch}, so the condition ${outcome}` });
}

/** Why a condition's value cannot match a field of this type, or null. */
function typeMismatch(condition: Leaf, type: DataFieldType): string | null {
  const accepts = (value: unknown) => (type === 'id' ? typeof value === 'string' || typeof value === 'number' : type === 'array' ? false : typeof value === type);
  const kind = type === 'id' ? 'a string or number' : type === 'array' ? 'an array' : `a ${type}`;
  const says = (value: unknown) => `'${fieldName(condition)}' is ${kind} and ${value === null ? 'null' : `${typeof value} ${JSON.stringify(value)}`} is not`;
  switch (condition.type) {
    case 'value_threshold':
      return type === 'number' ? null : `'${fieldName(condition)}' is ${kind}, not a number`;
    case 'equals':
    case 'not_equals':
      // null is how a rule asks for a field that is there but empty.
      return condition.value === null || accepts(condition.value) ? null : says(condition.value);
    case 'greater_than':
    case 'greater_than_or_equal':
    case 'less_than':
    case 'less_than_or_equal':
      return accepts(condition.value) ? null : says(condition.value);
    case 'in': {
      const wrong = condition.value.find((v) => !accepts(v));
      return wrong === undefined ? null : says(wrong);
    }
    case 'contains':
      if (type === 'array' || (type === 'string' && typeof condition.value === 'string')) return null;
      return type === 'string' ? says(condition.value) : `'${fieldName(condition)}' is ${kind}, which contains nothing`;
    default:
      return null;
  }
}

function fieldName(condition: Leaf): string {
  return 'field' in condition && condition.field !== undefined ? condition.field : 'value';
}

/** Constraints on one field that must all hold, to find a set that cannot. */
interface Bounds {
  equals: unknown[];
  notEquals: unknown[];
  inLists: unknown[][];
  lower?: { value: number | string; inclusive: boolean };
  upper?: { value: number | string; inclusive: boolean };
  exists?: boolean;
}

/** A description of why conditions that must all hold cannot, or null. */
function contradiction(conditions: readonly Condition[]): string | null {
  const byField = new Map<string, Bounds>();
  const bounds = (field: string) => {
    let b = byField.get(field);
    if (!b) byField.set(field, (b = { equals: [], notEquals: [], inLists: [] }));
    return b;
  };
  for (const condition of conditions) {
    const c = condition as Leaf;
    if (condition.type === 'all' || condition.type === 'any') continue;
    if (c.type === 'changed' || c.type === 'changed_to' || c.type === 'changed_from') continue;
    const b = bounds(fieldName(c));
    switch (c.type) {
      case 'equals':
        b.equals.push(c.value);
        break;
      case 'not_equals':
        b.notEquals.push(c.value);
        break;
      case 'in':
        b.inLists.push(c.value);
        break;
      case 'exists':
        b.exists = b.exists === undefined || b.exists === c.value ? c.value : undefined;
        if (b.exists === undefined) return `'${fieldName(c)}' must both exist and not exist`;
        break;
      case 'value_threshold':
        tighten(b, 'lower', c.value, true);
        break;
      case 'greater_than':
      case 'greater_than_or_equal':
        tighten(b, 'lower', c.value, c.type === 'greater_than_or_equal');
        break;
      case 'less_than':
      case 'less_than_or_equal':
        tighten(b, 'upper', c.value, c.type === 'less_than_or_equal');
        break;
      default:
        break;
    }
  }
  for (const [field, b] of byField) {
    const distinct = [...new Set(b.equals)];
    if (distinct.length > 1) return `'${field}' must equal both ${JSON.stringify(distinct[0])} and ${JSON.stringify(distinct[1])}`;
    const value = distinct[0];
    const constrained = distinct.length > 0 || b.inLists.length > 0 || b.lower !== undefined || b.upper !== undefined;
    if (b.exists === false && constrained) return `'${field}' must be absent and yet have a value`;
    if (distinct.length === 1 && b.notEquals.includes(value)) return `'${field}' must equal and not equal ${JSON.stringify(value)}`;
    for (const list of b.inLists) {
      if (distinct.length === 1 && !list.includes(value)) return `'${field}' must equal ${JSON.stringify(value)}, which is not one of ${JSON.stringify(list)}`;
    }
    if (b.inLists.length > 1 && !b.inLists[0]!.some((v) => b.inLists.every((list) => list.includes(v)))) return `'${field}' must be in lists that share no value`;
    if (b.lower && b.upper && typeof b.lower.value === typeof b.upper.value) {
      const empty = b.lower.value > b.upper.value || (b.lower.value === b.upper.value && !(b.lower.inclusive && b.upper.inclusive));
      if (empty) return `'${field}' must be ${b.lower.inclusive ? '≥' : '>'} ${JSON.stringify(b.lower.value)} and ${b.upper.inclusive ? '≤' : '<'} ${JSON.stringify(b.upper.value)}`;
    }
    if (distinct.length === 1 && !withinRange(value, b)) return `'${field}' must equal ${JSON.stringify(value)}, which is outside its range`;
  }
  return null;
}

function tighten(b: Bounds, side: 'lower' | 'upper', value: number | string, inclusive: boolean): void {
  const current = b[side];
  const tighter = current === undefined || typeof current.value !== typeof value || (side === 'lower' ? value > current.value : value < current.value) || (value === current.value && !inclusive);
  if (tighter) b[side] = { value, inclusive };
}

function withinRange(value: unknown, b: Bounds): boolean {
  if (typeof value !== 'number' && typeof value !== 'string') return true;
  const { lower, upper } = b;
  if (lower && typeof lower.value === typeof value && (value < lower.value || (value === lower.value && !lower.inclusive))) return false;
  if (upper && typeof upper.value === typeof value && (value > upper.value || (value === upper.value && !upper.inclusive))) return false;
  return true;
}

/** ` (did you mean 'value'?)` when a known name is two edits away or less (`vlaue` is two). */
function hint(name: string, known: readonly string[]): string {
  if (known.length === 0) return '';
  const best = closest(name, known as string[]);
  return distance(name, best) <= 2 ? ` (did you mean '${best}'?)` : '';
}
