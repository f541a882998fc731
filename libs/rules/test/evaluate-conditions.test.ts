import { describe, expect, it } from 'vitest';
import { ConditionSchema, type Condition } from '@flowline/contracts';
import { evaluateConditions } from '@flowline/rules';

const cond = (c: unknown): Condition => ConditionSchema.parse(c);
const matches = (c: unknown, data: Record<string, unknown>) => evaluateConditions([cond(c)], data).matched;

describe('value_threshold', () => {
  it('when value is at or above the threshold, then it matches', () => {
    expect(matches({ type: 'value_threshold', value: 10000 }, { value: 25000 })).toBe(true);
    expect(matches({ type: 'value_threshold', value: 10000 }, { value: 10000 })).toBe(true);
  });
  it('when value is below the threshold, then it does not match', () => {
    expect(matches({ type: 'value_threshold', value: 10000 }, { value: 5000 })).toBe(false);
  });
  it('when field names another numeric field, then that field is compared', () => {
    expect(matches({ type: 'value_threshold', field: 'deal.amount', value: 100 }, { value: 1, deal: { amount: 150 } })).toBe(true);
  });
  it('when the value is missing or not a number, then it is false and does not throw', () => {
    expect(matches({ type: 'value_threshold', value: 1 }, {})).toBe(false);
    expect(matches({ type: 'value_threshold', value: 1 }, { value: '5000' })).toBe(false);
  });
});

describe('generic field conditions', () => {
  const data = { stage: 'negotiation', value: 42, tags: ['vip', 'eu'], contact: { email: 'a@b.com', phone: null }, closes: '2026-12-01' };
  it.each([
    [{ type: 'equals', field: 'stage', value: 'negotiation' }, true],
    [{ type: 'equals', field: 'stage', value: 'won' }, false],
    [{ type: 'equals', field: 'value', value: '42' }, false],
    [{ type: 'not_equals', field: 'stage', value: 'won' }, true],
    [{ type: 'not_equals', field: 'missing', value: 'won' }, false],
    [{ type: 'greater_than', field: 'value', value: 41 }, true],
    [{ type: 'greater_than', field: 'value', value: 42 }, false],
    [{ type: 'greater_than_or_equal', field: 'value', value: 42 }, true],
    [{ type: 'less_than', field: 'value', value: 43 }, true],
    [{ type: 'less_than_or_equal', field: 'value', value: 41 }, false],
    [{ type: 'less_than', field: 'closes', value: '2027-01-01' }, true],
    [{ type: 'greater_than', field: 'stage', value: 5 }, false],
    [{ type: 'contains', field: 'contact.email', value: '@b.com' }, true],
    [{ type: 'contains', field: 'tags', value: 'vip' }, true],
    [{ type: 'contains', field: 'tags', value: 'us' }, false],
    [{ type: 'contains', field: 'value', value: '4' }, false],
    [{ type: 'in', field: 'stage', value: ['negotiation', 'proposal'] }, true],
    [{ type: 'in', field: 'stage', value: ['won'] }, false],
    [{ type: 'exists', field: 'contact.email' }, true],
    [{ type: 'exists', field: 'contact.phone' }, false],
    [{ type: 'exists', field: 'contact.fax', value: false }, true],
    [{ type: 'exists', field: 'contact.email', value: false }, false],
  ])('when %j is evaluated, then it is %s', (condition, expected) => {
    expect(matches(condition, data)).toBe(expected);
  });

  it('when a dotted path runs through a missing or scalar step, then it is false and does not throw', () => {
    expect(matches({ type: 'equals', field: 'a.b.c', value: 1 }, { a: 5 })).toBe(false);
    expect(matches({ type: 'equals', field: 'a.b.c', value: 1 }, { a: null })).toBe(false);
  });

  it('when a path names an inherited member, then it is not followed', () => {
    expect(matches({ type: 'exists', field: 'toString' }, {})).toBe(false);
    expect(matches({ type: 'exists', field: 'stage.length' }, { stage: 'x' })).toBe(false);
  });
});

describe('several conditions', () => {
  it('when one of them fails, then the rule does not match and every outcome is recorded with the value it saw', () => {
    const result = evaluateConditions(
      [cond({ type: 'value_threshold', value: 100 }), cond({ type: 'equals', field: 'stage', value: 'won' })],
      { value: 500, stage: 'lost' },
    );
    expect(result.matched).toBe(false);
    expect(result.outcomes).toEqual([
      { index: 0, type: 'value_threshold', field: 'value', expected: 100, actual: 500, passed: true },
      { index: 1, type: 'equals', field: 'stage', expected: 'won', actual: 'lost', passed: false },
    ]);
  });
  it('when a rule has no conditions, then it matches', () => {
    expect(evaluateConditions([], {}).matched).toBe(true);
  });
});
