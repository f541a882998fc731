import { describe, expect, it } from 'vitest';
import type { Condition } from '@flowline/contracts';
import { compileConditions, compileParameters } from '../src/compile-rule.ts';

describe('compiled rules', () => {
  const conditions: Condition[] = [
    { type: 'value_threshold', value: 100 },
    { type: 'in', field: 'owner.region', value: ['emea', 'apac'] },
    { type: 'greater_than', field: 'close_date', value: '2026-01-01' },
    { type: 'exists', field: 'owner.email', value: false },
  ];

  it('when one compiled function is applied to different events, then each result reflects only that event', () => {
    const evaluate = compileConditions(conditions);

    const first = evaluate({ value: 150, owner: { region: 'emea' }, close_date: '2026-03-01' });
    const second = evaluate({ value: 50, owner: { region: 'us', email: 'a@b.c' }, close_date: 7 });

    expect(first.matched).toBe(true);
    expect(first.outcomes.map((o) => [o.field, o.actual, o.passed])).toEqual([
      ['value', 150, true],
      ['owner.region', 'emea', true],
      ['close_date', '2026-03-01', true],
      ['owner.email', undefined, true],
    ]);
    expect(second.matched).toBe(false);
    expect(second.outcomes.map((o) => o.passed)).toEqual([false, false, false, false]);
  });

  it('when a path reaches for an inherited member, then it reads as missing', () => {
    const evaluate = compileConditions([{ type: 'exists', field: 'toString', value: true }]);

    expect(evaluate({}).outcomes[0]).toMatchObject({ actual: undefined, passed: false });
  });

  it('when compiled parameters render twice with a placeholder missing, then each render reports the path once and keeps non-strings', () => {
    const render = compileParameters({ message: '{{a}} and {{a}} for {{b.c}}', retries: 3 });

    expect(render({ b: { c: 'x' } })).toEqual({ value: { message: ' and  for x', retries: 3 }, missing: ['a'] });
    expect(render({ a: 1, b: { c: { d: 2 } } })).toEqual({ value: { message: '1 and 1 for {"d":2}', retries: 3 }, missing: [] });
  });
});
