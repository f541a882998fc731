import { describe, expect, it } from 'vitest';
import { ConditionSchema, type Condition } from '@flowline/contracts';
import { catalogue, checkRuleAgainstCatalogue, compileTemplate, evaluateConditions, renderParameters } from '@flowline/rules';

const cond = (c: unknown): Condition => ConditionSchema.parse(c);

describe('what an execution records stays bounded', () => {
  it('when a condition reads a very long string, then the recorded value is cut but the condition is judged on the whole value', () => {
    const long = 'x'.repeat(200_000) + 'needle';
    const [outcome] = evaluateConditions([cond({ type: 'contains', field: 'notes', value: 'needle' })], { notes: long }).outcomes;
    expect(outcome!.passed).toBe(true);
    expect(String(outcome!.actual).length).toBeLessThan(1100);
    expect(outcome!.actual).toMatch(/… \(200006 characters\)$/);
  });

  it('when a condition reads an object or a large array, then a summary is recorded; a small list of scalars is kept', () => {
    const data = { profile: { a: 1, b: { c: 2 } }, many: Array.from({ length: 500 }, (_, i) => i), tags: ['vip', 'eu'] };
    const outcomes = evaluateConditions(
      [cond({ type: 'exists', field: 'profile' }), cond({ type: 'contains', field: 'many', value: 7 }), cond({ type: 'contains', field: 'tags', value: 'vip' })],
      data,
    ).outcomes;
    expect(outcomes.map((o) => [o.passed, o.actual])).toEqual([
      [true, { summary: 'object', keys: 2 }],
      [true, { summary: 'array', length: 500 }],
      [true, ['vip', 'eu']],
    ]);
  });

  it('when a template repeats a big field many times, then rendering stops just past the longest parameter allowed', () => {
    const render = compileTemplate('{{a}}'.repeat(2000));
    const out = render({ a: 'y'.repeat(20_000) }, []);
    expect(out.length).toBe(10_001);
  });

  it('when nested groups add up to more than 200 conditions, then the rule is refused with the count', () => {
    const group = { type: 'all', conditions: Array.from({ length: 50 }, () => ({ type: 'exists', field: 'a' })) };
    const conditions = Array.from({ length: 5 }, () => cond(group));
    expect(checkRuleAgainstCatalogue(catalogue, { module_type: 'crm', trigger_id: 'contact_created', conditions })).toEqual([
      { path: 'conditions', message: expect.stringContaining('at most 200 conditions in all, groups included (this one has 250)') },
    ]);
  });

  it("when a condition's own operand is large, then the recorded expected value is summarised too", () => {
    const values = Array.from({ length: 1000 }, (_, i) => `${'v'.repeat(900)}${i}`);
    const [outcome] = evaluateConditions([cond({ type: 'in', field: 'stage', value: values })], { stage: values[7] }).outcomes;
    expect(outcome).toMatchObject({ passed: true, expected: { summary: 'array', length: 1000 } });
  });
});

describe('parameters whose template renders to nothing', () => {
  it('when an optional parameter renders empty, then it is left out, and the missing value is noted', () => {
    expect(renderParameters({ recipient: 'a@example.com', subject: '{{headline}}', message: 'Hi' } as Record<string, unknown>, {})).toEqual({
      value: { recipient: 'a@example.com', message: 'Hi' },
      missing: ['headline'],
    });
  });
});
