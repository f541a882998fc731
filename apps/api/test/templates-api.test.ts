import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, startInProcess, tempDir, uniqueNamespace, type InProcessFlowline } from '../../../test/support/harness.ts';

// The in-process bus is enough here: these tests are about the http surface of templates.
let flowline: InProcessFlowline;
const dir = tempDir();

beforeAll(async () => {
  flowline = await startInProcess({ namespace: uniqueNamespace('templates'), sqlitePath: `${dir.path}/flowline.db` });
});
afterAll(async () => {
  await flowline.stop();
  dir.remove();
});

const acme = () => client(flowline.baseUrl, 'acme-corp');
const globex = () => client(flowline.baseUrl, 'globex');

describe('GET /api/v1/automation/templates', () => {
  it('when listed, then every template has named placeholders; module_type filters', async () => {
    const all = (await acme().get('/api/v1/automation/templates')).body;
    expect(all.map((t: { id: string }) => t.id)).toEqual(['high_value_deal_alert', 'new_lead_follow_up', 'lost_deal_notification', 'escalate_contact_status']);
    expect(all[0].parameters.map((p: { name: string }) => p.name)).toEqual(['recipient', 'threshold']);
    const crm = (await acme().get('/api/v1/automation/templates?module_type=crm')).body;
    expect(crm.map((t: { module_type: string }) => t.module_type)).toEqual(['crm', 'crm']);
    expect((await acme().get('/api/v1/automation/templates?module_type=hr')).status).toBe(400);
  });
});

describe('POST /api/v1/automation/rules/from-template', () => {
  it('when the parameters fit, then 201 creates a normal rule for the tenant only', async () => {
    const res = await acme().post('/api/v1/automation/rules/from-template', {
      template_id: 'high_value_deal_alert',
      parameters: { recipient: 'boss@example.com', threshold: 50000 },
      name: 'Big deals to the boss',
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      tenant_id: 'acme-corp',
      name: 'Big deals to the boss',
      module_type: 'sales',
      trigger_id: 'high_value_opportunity',
      conditions: [{ type: 'value_threshold', value: 50000 }],
      actions: [{ type: 'send_notification', parameters: { recipient: 'boss@example.com' } }],
      is_active: true,
    });
    expect(res.headers.get('location')).toBe(`/api/v1/automation/rules/${res.body.id}`);
    const { warnings, ...rule } = res.body;
    expect(warnings).toEqual([]);
    expect((await acme().get(`/api/v1/automation/rules/${res.body.id}`)).body).toEqual(rule);
    expect((await globex().get(`/api/v1/automation/rules/${res.body.id}`)).status).toBe(404);
  });

  it.each([
    ['an unknown template', { template_id: 'world_domination', parameters: {} }, ['template_id']],
    ['a missing and a mistyped parameter', { template_id: 'high_value_deal_alert', parameters: { threshold: 'lots' } }, ['parameters.recipient', 'parameters.threshold']],
    ['an unknown parameter', { template_id: 'lost_deal_notification', parameters: { recipient: 'a@example.com', cc: 'b@example.com' } }, ['parameters.cc']],
    ['an unknown field', { template_id: 'lost_deal_notification', parameters: { recipient: 'a@example.com' }, tenant_id: 'globex' }, ['tenant_id']],
  ])('when the request has %s, then 400 names it and no rule is created', async (_what, body, paths) => {
    const tenant = client(flowline.baseUrl, 'strict-corp');
    const res = await tenant.post('/api/v1/automation/rules/from-template', body);
    expect(res.status).toBe(400);
    expect(res.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(paths);
    expect((await tenant.get('/api/v1/automation/rules')).body).toEqual({ items: [] });
  });
});
