import type { Condition, ConditionOutcome } from '@flowline/contracts';
import { readPath } from './read-path.ts';

export interface Evaluation {
  /** True when every condition holds (AND); a rule without conditions always matches. */
  matched: boolean;
  outcomes: ConditionOutcome[];
}

/**
 * Evaluates all of a rule's conditions against event data. Every condition is evaluated,
 * even after one fails, so the execution record shows each outcome and the value it saw.
 * A missing field, or a value of the wrong type, makes a condition false; it never throws.
 */
export function evaluateConditions(conditions: readonly Condition[], data: Record<string, unknown>): Evaluation {
  const outcomes = conditions.map((condition, index): ConditionOutcome => {
    const field = fieldOf(condition);
    const actual = readPath(data, field);
    return {
      index,
      type: condition.type,
      field,
      expected: condition.value,
      actual,
      passed: holds(condition, actual),
    };
  });
  return { matched: outcomes.every((o) => o.passed), outcomes };
}

function fieldOf(condition: Condition): string {
  return condition.type === 'value_threshold' ? (condition.field ?? 'value') : condition.field;
}

function holds(condition: Condition, actual: unknown): boolean {
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
    default: {
      const unreachable: never = condition;
      return unreachable;
    }
  }
}

/** Numbers compare with numbers, strings with strings (so ISO dates order correctly); nothing else. */
function compare(actual: unknown, expected: number | string, accept: (comparison: number) => boolean): boolean {
  if (typeof actual === 'number' && typeof expected === 'number') return accept(actual - expected);
  if (typeof actual === 'string' && typeof expected === 'string') return accept(actual < expected ? -1 : actual > expected ? 1 : 0);
  return false;
}
