import { describe, expect, it } from 'vitest';
import { HIGH_VALUE_DEAL_ALERT, client, useInProcessFlowline } from '../../../test/support/harness.ts';

const flowline = useInProcessFlowline('authoring');
const as = (tenant: string) => client(flowline.current.baseUrl, tenant);

const FIRST_HOUR_RULE = {
  ...HIGH_VALUE_DEAL_ALERT,
  conditions: [
    { type: 'greater_than', field: 'vlaue', value: 10000 },
    { type: 'equals', field: 'value', value: '25000' },
  ],
  actions: [{ type: 'create_task', parameters: { title: 'Call {{opportunity_nmae}}' } }],
};

describe('save-time warnings', () => {
  it("when a new user's rule misspells a field, compares a string with a number and misspells a placeholder, then it is stored (201) and each mistake is a warning at its path", async () => {
    const res = await as('warn-tenant').post('/api/v1/automation/rules', FIRST_HOUR_RULE);
    expect(res.status).toBe(201);
    expect(res.body.warnings.map((w: { path: string }) => w.path)).toEqual(['conditions.0.field', 'conditions.1.value', 'actions.0.parameters.title']);
    expect(res.body.warnings[0].message).toContain("did you mean 'value'");
    const stored = (await as('warn-tenant').get(`/api/v1/automation/rules/${res.body.id}`)).body;
    expect(stored).not.toHaveProperty('warnings');
    expect(stored.conditions).toEqual(FIRST_HOUR_RULE.conditions);
  });

  it("when the spec's rule is saved, then there are no warnings", async () => {
    expect((await as('warn-tenant').post('/api/v1/automation/rules', HIGH_VALUE_DEAL_ALERT)).body.warnings).toEqual([]);
  });

  it('when a rule is made from a template, then the answer carries warnings too', async () => {
    const res = await as('warn-tenant').post('/api/v1/automation/rules/from-template', { template_id: 'high_value_deal_alert', parameters: { recipient: 'a@example.com' } });
    expect(res.status).toBe(201);
    expect(res.body.warnings).toEqual([]);
  });
});

describe('POST /api/v1/automation/rules/test', () => {
  it('when a draft rule is tested with a non-matching event, then each condition explains itself with the value it saw, and nothing is stored or run', async () => {
    const t = as('dry-run-tenant');
    const res = await t.post('/api/v1/automation/rules/test', {
      rule: { ...HIGH_VALUE_DEAL_ALERT, conditions: [{ type: 'value_threshold', value: 10000 }, { type: 'equals', field: 'currency', value: 'USD' }] },
      event: { type: 'high_value_opportunity', data: { opportunity_id: 'o1', opportunity_name: 'Small', value: 5000, currency: 'USD' } },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ matched: false, trigger_matched: true, missing_placeholders: [], warnings: [] });
    expect(res.body.conditions).toEqual([
      { index: 0, type: 'value_threshold', field: 'value', expected: 10000, actual: 5000, passed: false },
      { index: 1, type: 'equals', field: 'currency', expected: 'USD', actual: 'USD', passed: true },
    ]);
    expect(res.body.actions).toEqual([
      { index: 0, type: 'send_notification', status: 'not_run', missing_placeholders: [], parameters: { recipient: 'sales-manager@example.com', message: 'New high-value opportunity: Small - $5000' } },
    ]);
    await new Promise((r) => setTimeout(r, 200));
    expect((await t.get('/api/v1/automation/rules')).body).toEqual({ items: [] });
    expect((await t.get('/api/v1/automation/executions')).body).toEqual({ items: [] });
    expect((await t.get('/api/v1/notifications')).body).toEqual({ items: [] });
  });

  it('when a stored rule is tested by id with a matching event, then the rendered message is shown and a missing placeholder would fail its action', async () => {
    const t = as('dry-run-stored');
    const rule = (await t.post('/api/v1/automation/rules', HIGH_VALUE_DEAL_ALERT)).body;
    const res = await t.post('/api/v1/automation/rules/test', { rule_id: rule.id, event: { type: 'high_value_opportunity', data: { opportunity_id: 'o1', value: 25000 } } });
    expect(res.status).toBe(200);
    expect(res.body.matched).toBe(true);
    expect(res.body.missing_placeholders).toEqual(['opportunity_name']);
    expect(res.body.actions[0]).toMatchObject({ status: 'would_fail', parameters: { message: 'New high-value opportunity:  - $25000' }, error: expect.stringContaining('{{opportunity_name}}') });
    const ok = await t.post('/api/v1/automation/rules/test', { rule_id: rule.id, event: { type: 'high_value_opportunity', data: { opportunity_id: 'o1', opportunity_name: 'Big Deal', value: 25000 } } });
    expect(ok.body.actions[0]).toMatchObject({ status: 'would_run', parameters: { message: 'New high-value opportunity: Big Deal - $25000' } });
    expect((await t.get('/api/v1/automation/executions')).body).toEqual({ items: [] });
  });

  it("when another tenant's rule id is tested, then 404", async () => {
    const rule = (await as('dry-run-owner').post('/api/v1/automation/rules', HIGH_VALUE_DEAL_ALERT)).body;
    const res = await as('dry-run-other').post('/api/v1/automation/rules/test', { rule_id: rule.id, event: { type: 'high_value_opportunity', data: {} } });
    expect(res.status).toBe(404);
  });

  it.each([
    ['both a rule and a rule_id', { rule: HIGH_VALUE_DEAL_ALERT, rule_id: '3f1d2c3b-4a5e-4f60-8a7b-9c0d1e2f3a4b', event: { type: 'high_value_opportunity', data: {} } }, ['rule']],
    ['neither', { event: { type: 'high_value_opportunity', data: {} } }, ['rule']],
    ['no event', { rule: HIGH_VALUE_DEAL_ALERT }, ['event']],
    ['an invalid draft', { rule: { ...HIGH_VALUE_DEAL_ALERT, actions: [] }, event: { type: 'high_value_opportunity', data: {} } }, ['rule.actions']],
    ['a draft whose trigger is of another module', { rule: { ...HIGH_VALUE_DEAL_ALERT, module_type: 'crm' }, event: { type: 'high_value_opportunity', data: {} } }, ['rule.conditions.0.type', 'rule.trigger_id']],
  ])('when the body has %s, then 400 names the path', async (_what, body, paths) => {
    const res = await as('dry-run-bad').post('/api/v1/automation/rules/test', body);
    expect(res.status).toBe(400);
    expect(res.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(paths);
  });
});
