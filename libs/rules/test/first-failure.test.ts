import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Condition, ConditionOutcome } from '@flowline/contracts';
import { compileConditions, type FailedCondition } from '../src/compile-rule.ts';

/** What the engine recorded before firstFailure: every outcome evaluated, then the first failure looked up. */
function firstFailedOf(outcomes: readonly ConditionOutcome[]): FailedCondition | undefined {
  const failed = outcomes.find((outcome) => !outcome.passed);
  if (failed === undefined) return undefined;
  if (failed.conditions !== undefined && failed.conditions.length > 0) {
    const inner = firstFailedOf(failed.conditions);
    if (inner !== undefined) return inner;
  }
  const { conditions: _group, passed: _passed, ...rest } = failed;
  return rest;
}

const fields = ['value', 'region', 'owner.email', 'owner.level', 'tags', 'status', 'stage'] as const;
const scalar = fc.oneof(fc.constantFrom('emea', 'apac', 'won', 'lost', ''), fc.integer({ min: -5, max: 5 }), fc.boolean());
const field = fc.constantFrom(...fields);

const leaf: fc.Arbitrary<Condition> = fc.oneof(
  fc.record({ type: fc.constant('value_threshold' as const), value: fc.integer({ min: -5, max: 5 }) }),
  fc.record({ type: fc.constantFrom('equals' as const, 'not_equals' as const), field, value: scalar }),
  fc.record({ type: fc.constantFrom('greater_than' as const, 'less_than_or_equal' as const), field, value: fc.oneof(fc.integer({ min: -5, max: 5 }), fc.constantFrom('b', 'm')) }),
  fc.record({ type: fc.constant('contains' as const), field, value: scalar }),
  fc.record({ type: fc.constant('in' as const), field, value: fc.array(scalar, { minLength: 1, maxLength: 4 }) }),
  fc.record({ type: fc.constant('exists' as const), field, value: fc.boolean() }),
  fc.record({ type: fc.constant('changed' as const), field: fc.constantFrom('status' as const, 'stage' as const) }),
  fc.record({ type: fc.constantFrom('changed_to' as const, 'changed_from' as const), field: fc.constantFrom('status' as const, 'stage' as const), value: scalar }),
);

const { condition } = fc.letrec<{ condition: Condition }>((tie) => ({
  condition: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.record({ type: fc.constantFrom('all' as const, 'any' as const), conditions: fc.array(tie('condition'), { maxLength: 3 }) }),
  ),
}));

const data = fc.record(
  {
    value: fc.oneof(fc.integer({ min: -5, max: 5 }), fc.constant('5')),
    region: scalar,
    owner: fc.record({ email: fc.constantFrom('a@b.c', ''), level: fc.integer({ min: 0, max: 3 }) }, { requiredKeys: [] }),
    tags: fc.array(scalar, { maxLength: 3 }),
    old_status: scalar,
    new_status: scalar,
    old_stage: scalar,
    new_stage: scalar,
  },
  { requiredKeys: [] },
);

describe('firstFailure', () => {
  it('when any conditions meet any event data, then it names the same failure as evaluating every condition, and none exactly when they all match', () => {
    fc.assert(
      fc.property(fc.array(condition, { maxLength: 4 }), data, (conditions, event) => {
        const compiled = compileConditions(conditions);
        const evaluation = compiled(event);

        const failure = compiled.firstFailure(event);

        expect(failure).toEqual(firstFailedOf(evaluation.outcomes));
        expect(failure === undefined).toBe(evaluation.matched);
      }),
      { numRuns: 2000 },
    );
  });

  it('when a rule fails on its second condition, then the failure is that condition with the value it saw', () => {
    const compiled = compileConditions([
      { type: 'value_threshold', value: 10 },
      { type: 'in', field: 'region', value: ['apac'] },
      { type: 'exists', field: 'owner.email', value: true },
    ]);

    expect(compiled.firstFailure({ value: 25, region: 'emea' })).toEqual({ index: 1, type: 'in', field: 'region', expected: ['apac'], actual: 'emea' });
    expect(compiled.firstFailure({ value: 25, region: 'apac', owner: { email: 'a@b.c' } })).toBeUndefined();
  });
});
