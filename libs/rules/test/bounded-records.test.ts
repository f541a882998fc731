import { describe, expect, it } from 'vitest';
import { ConditionSchema, type Condition, type Execution } from '@flowline/contracts';
import { boundExecution, catalogue, checkRuleAgainstCatalogue, compileTemplate, evaluateConditions, MAX_EXECUTION_BYTES, renderParameters } from '@flowline/rules';

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

describe('the stored size of one execution', () => {
  const NOW = '2026-11-30T00:00:00.000Z';
  const base = {
    id: '8f2b1c9e-4d3a-4b5c-9e8f-7a6b5c4d3e2f', tenant_id: 'acme', event_id: '1f2b1c9e-4d3a-4b5c-9e8f-7a6b5c4d3e2f', rule_id: '2f2b1c9e-4d3a-4b5c-9e8f-7a6b5c4d3e2f',
    rule_name: 'r', trigger_id: 'contact_created', correlation_id: 'c', outcome: 'matched' as const, matched: true, created_at: NOW, updated_at: NOW,
  } as unknown as Omit<Execution, 'conditions' | 'actions' | 'notes'>;
  const bytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value));

  it('when 200 conditions each record 1000-character values, then the record is cut to 64 KiB with a note, and its actions are kept', () => {
    const long = 'x'.repeat(200_000);
    const conditions = Array.from({ length: 200 }, () => cond({ type: 'equals', field: 'notes', value: 'y'.repeat(900) }));
    const outcomes = evaluateConditions(conditions, { notes: long }).outcomes;
    const actions = [{ index: 0, command_id: base.id, type: 'create_task', status: 'pending' as const, parameters: { title: 't' } }];
    const execution = { ...base, conditions: outcomes, actions, notes: [] } as Execution;
    expect(bytes(execution)).toBeGreaterThan(300_000);

    const bounded = boundExecution(execution);
    expect(bytes(bounded)).toBeLessThanOrEqual(MAX_EXECUTION_BYTES);
    expect(bounded.actions).toEqual(actions);
    expect(bounded.conditions.length).toBeGreaterThan(150);
    expect(bounded.conditions[0]!.actual).toMatch(/^x{100}… \(\d+ characters\)$/);
    expect(bounded.notes.at(-1)).toMatch(/^record over 65536 bytes \(\d+\): condition values summarised; \d+ of 200 condition outcomes not recorded$/);
  });

  it('when actions render parameters too large to store, then the ones that do not fit are failed, not sent, with the reason', () => {
    const actions = Array.from({ length: 20 }, (_, index) => ({ index, command_id: base.id, type: 'send_notification', status: 'pending' as const, parameters: { recipient: 'a@example.com', message: 'm'.repeat(10_000) } }));
    const notes = Array.from({ length: 5000 }, (_, i) => `template value 'v${i}' was missing`);
    const bounded = boundExecution({ ...base, conditions: [], actions, notes } as Execution);

    expect(bytes(bounded)).toBeLessThanOrEqual(MAX_EXECUTION_BYTES);
    const failed = bounded.actions.filter((a) => a.status === 'failed');
    expect(failed.length).toBeGreaterThan(10);
    expect(failed[0]!.error).toMatch(/do not fit the execution record's 65536-byte limit/);
    expect(bounded.actions.filter((a) => a.status === 'pending').every((a) => a.parameters['message'] === 'm'.repeat(10_000))).toBe(true);
    expect(bounded.notes).toContain('and 4980 more notes');
  });

  it('when a record is small, then it is stored as it is', () => {
    const execution = { ...base, conditions: [], actions: [], notes: ['n'] } as Execution;
    expect(boundExecution(execution)).toBe(execution);
  });
});
