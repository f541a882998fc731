import type { Condition, ConditionGroup, ConditionOutcome } from '@flowline/contracts';
import { readPath } from './read-path.ts';

export interface Evaluation {
  /** True when every condition holds (AND); a rule without conditions always matches. */
  matched: boolean;
  outcomes: ConditionOutcome[];
}

type LeafCondition = Exclude<Condition, ConditionGroup>;

const isGroup = (condition: Condition): condition is ConditionGroup => condition.type === 'all' || condition.type === 'any';

/**
 * Evaluates all of a rule's conditions against event data; the top-level list means "all".
 * Every condition is evaluated, even after one fails, so the execution record shows each
 * outcome and the value it saw. A missing field, or a value of the wrong type, makes a
 * condition false; it never throws.
 */
export function evaluateConditions(conditions: readonly Condition[], data: Record<string, unknown>): Evaluation {
  const outcomes = conditions.map((condition, index) => evaluate(condition, index, data));
  return { matched: outcomes.every((o) => o.passed), outcomes };
}

function evaluate(condition: Condition, index: number, data: Record<string, unknown>): ConditionOutcome {
  if (isGroup(condition)) {
    const children = condition.conditions.map((child, childIndex) => evaluate(child, childIndex, data));
    const passed = condition.type === 'all' ? children.every((c) => c.passed) : children.some((c) => c.passed);
    return { index, type: condition.type, expected: undefined, actual: undefined, passed, conditions: children };
  }
  if (condition.type === 'changed' || condition.type === 'changed_to' || condition.type === 'changed_from') {
    // The modules put a change's before and after on the event as old_<field> / new_<field>.
    const actual = { old: readPath(data, `old_${condition.field}`), new: readPath(data, `new_${condition.field}`) };
    const expected = condition.type === 'changed' ? undefined : condition.value;
    return { index, type: condition.type, field: condition.field, expected, actual, passed: holds(condition, actual) };
  }
  const field = condition.type === 'value_threshold' ? (condition.field ?? 'value') : condition.field;
  const actual = readPath(data, field);
  return { index, type: condition.type, field, expected: condition.value, actual, passed: holds(condition, actual) };
}

function holds(condition: LeafCondition, actual: unknown): boolean {
  switch (condition.type) {
    case 'value_threshold':
      return typeof actual === 'number' && actual >= condition.value;
    case 'equals':
      return actual !== undefined && actual === condition.value;
    case 'not_equals':
      return actual !== undefined && actual !== condition.value;
    case 'greater_than':
      return compare(actual, condition.value, (c) => c > 0);
    case 'greater_than_or_equal':
      return compare(actual, condition.value, (c) => c >= 0);
    case 'less_than':
      return compare(actual, condition.value, (c) => c < 0);
    case 'less_than_or_equal':
      return compare(actual, condition.value, (c) => c <= 0);
    case 'contains':
      if (typeof actual === 'string') return typeof condition.value === 'string' && actual.includes(condition.value);
      return Array.isArray(actual) && actual.includes(condition.value);
    case 'in':
      return actual !== undefined && condition.value.includes(actual as never);
    case 'exists':
      return (actual !== undefined && actual !== null) === condition.value;
    case 'changed':
      return changed(actual);
    case 'changed_to':
      return changed(actual) && (actual as Change).new === condition.value;
    case 'changed_from':
      return changed(actual) && (actual as Change).old === condition.value;
    default: {
      const unreachable: never = condition;
      return unreachable;
    }
  }
}

interface Change {
  old: unknown;
  new: unknown;
}

/** A change needs a new value that differs from the old one; an event with neither is no change. */
function changed(actual: unknown): boolean {
  const change = actual as Change;
  return change.new !== undefined && change.old !== change.new;
}

/** Numbers compare with numbers, strings with strings (so ISO dates order correctly); nothing else. */
function compare(actual: unknown, expected: number | string, accept: (comparison: number) => boolean): boolean {
  if (typeof actual === 'number' && typeof expected === 'number') return accept(actual - expected);
  if (typeof actual === 'string' && typeof expected === 'string') return accept(actual < expected ? -1 : actual > expected ? 1 : 0);
  return false;
}
