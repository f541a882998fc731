import type { Condition, ConditionOutcome } from '@flowline/contracts';
import { compileConditions } from './compile-rule.ts';

export interface Evaluation {
  /** True when every condition holds (AND); a rule without conditions always matches. */
  matched: boolean;
  outcomes: ConditionOutcome[];
}

/**
 * Evaluates all of a rule's conditions against event data; the top-level list means "all".
 * Every condition is evaluated, even after one fails, so the execution record shows each
 * outcome and the value it saw. A missing field, or a value of the wrong type, makes a
 * condition false; it never throws.
 *
 * The engine compiles a rule once and keeps the function (compileConditions); this one-off
 * form compiles on every call.
 */
export function evaluateConditions(conditions: readonly Condition[], data: Record<string, unknown>): Evaluation {
  return compileConditions(conditions)(data);
}
