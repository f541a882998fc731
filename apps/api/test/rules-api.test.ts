import { describe, expect, it } from 'vitest';
import { HIGH_VALUE_DEAL_ALERT, client, useInProcessFlowline } from '../../../test/support/harness.ts';

const flowline = useInProcessFlowline('api');

const acme = () => client(flowline.current.baseUrl, 'acme-corp');
const globex = () => client(flowline.current.baseUrl, 'globex');
/** A write's answer without its warnings: the stored rule as GET returns it. */
const stored = ({ warnings: _warnings, ...rule }: any) => rule;
const paths = (body: any) => (body.errors ?? []).map((e: { path: string }) => e.path);

describe('POST /api/v1/automation/rules', () => {
  it("when the spec's example is posted, then 201 returns the whole stored rule for the header's tenant", async () => {
    const res = await acme().post('/api/v1/automation/rules', HIGH_VALUE_DEAL_ALERT);
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ ...HIGH_VALUE_DEAL_ALERT, tenant_id: 'acme-corp', is_active: true });
    expect(res.body.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.body.created_at).toBe(res.body.updated_at);
    expect(res.headers.get('location')).toBe(`/api/v1/automation/rules/${res.body.id}`);
    const { warnings, ...stored } = res.body;
    expect(warnings).toEqual([]);
    expect((await acme().get(`/api/v1/automation/rules/${res.body.id}`)).body).toEqual(stored);
  });

  it('when the body names a tenant_id or id, then 400 lists them as unknown fields and nothing is stored', async () => {
    const res = await acme().post('/api/v1/automation/rules', { ...HIGH_VALUE_DEAL_ALERT, tenant_id: 'globex', id: 'x' });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({ status: 400, code: 'validation_failed', instance: '/api/v1/automation/rules' });
    expect(paths(res.body).sort()).toEqual(['id', 'tenant_id']);
    expect((await globex().get('/api/v1/automation/rules')).body).toEqual({ items: [] });
  });

  it.each([
    ['a trigger of another module', { module_type: 'crm', trigger_id: 'high_value_opportunity', conditions: [] }, ['trigger_id']],
    ['an unknown trigger', { trigger_id: 'opportunity_exploded' }, ['trigger_id']],
    ['an unknown module', { module_type: 'hr' }, ['module_type']],
    ['a condition type the module lacks', { module_type: 'crm', trigger_id: 'lead_created' }, ['conditions.0.type']],
    ['an unknown condition type', { conditions: [{ type: 'regex', field: 'x', value: '.*' }] }, ['conditions.0.type']],
    ['a generic condition without field', { conditions: [{ type: 'equals', value: 1 }] }, ['conditions.0.field']],
    ['an unknown action type', { actions: [{ type: 'send_sms', parameters: {} }] }, ['actions.0.type']],
    ['a notification without message', { actions: [{ type: 'send_notification', parameters: { recipient: 'a' } }] }, ['actions.0.parameters.message']],
    ['update_status without its parameters', { actions: [{ type: 'update_status', parameters: {} }] }, ['actions.0.parameters.entity_id', 'actions.0.parameters.new_status']],
    ['create_task with an unknown parameter', { actions: [{ type: 'create_task', parameters: { title: 't', priority: 1 } }] }, ['actions.0.parameters.priority']],
    ['no actions', { actions: [] }, ['actions']],
    ['an empty name', { name: '' }, ['name']],
    ['a non-boolean is_active', { is_active: 'yes' }, ['is_active']],
    ['a field path reaching the prototype', { conditions: [{ type: 'exists', field: 'a.constructor' }] }, ['conditions.0.field']],
  ])('when the rule has %s, then 400 names the path', async (_what, change, expected) => {
    const res = await acme().post('/api/v1/automation/rules', { ...HIGH_VALUE_DEAL_ALERT, ...change });
    expect(res.status).toBe(400);
    expect(paths(res.body).sort()).toEqual([...expected].sort());
  });

  it('when the body is over 256 KiB, then 413', async () => {
    const res = await acme().post('/api/v1/automation/rules', { ...HIGH_VALUE_DEAL_ALERT, description: 'x'.repeat(300 * 1024) });
    expect(res.status).toBe(413);
    expect(res.body.code).toBe('payload_too_large');
  });

  it('when the JSON is malformed, then 400 says so', async () => {
    const res = await acme().post('/api/v1/automation/rules', '{"name": ');
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([{ path: '(body)', message: 'malformed JSON' }]);
  });

  it('when the body is not JSON, then 415', async () => {
    const res = await acme().request('POST', '/api/v1/automation/rules', 'name=x', { 'content-type': 'application/x-www-form-urlencoded' });
    expect(res.status).toBe(415);
  });

  it('when the body smuggles __proto__, then 400 and nothing is stored', async () => {
    const before = (await acme().get('/api/v1/automation/rules')).body.items.length;
    const res = await acme().post('/api/v1/automation/rules', `{"__proto__": {"is_admin": true}, "name": "x"}`);
    expect(res.status).toBe(400);
    expect(paths(res.body)).toEqual(['__proto__']);
    expect((await acme().get('/api/v1/automation/rules')).body.items).toHaveLength(before);
  });
});

describe('tenant header', () => {
  it.each([
    ['missing', undefined],
    ['empty', ''],
    ['with a slash', 'acme/corp'],
    ['starting with a dot', '.acme'],
    ['too long', 'a'.repeat(65)],
    ['an operator', '{"$ne":null}'],
  ])('when X-Tenant-ID is %s, then every /api/v1 route answers 400', async (_what, tenant) => {
    for (const path of ['/api/v1/automation/rules', '/api/v1/automation/triggers', '/api/v1/notifications']) {
      const res = await client(flowline.current.baseUrl, tenant).get(path);
      expect(res.status).toBe(400);
      expect(paths(res.body)).toEqual(['header.x-tenant-id']);
    }
  });
});

describe('rules of another tenant', () => {
  it('when another tenant uses a rule id on every verb, then it gets 404 and the rule is unchanged', async () => {
    const created = (await acme().post('/api/v1/automation/rules', HIGH_VALUE_DEAL_ALERT)).body;
    const path = `/api/v1/automation/rules/${created.id}`;
    expect((await globex().get(path)).status).toBe(404);
    expect((await globex().put(path, { ...HIGH_VALUE_DEAL_ALERT, name: 'hijacked' })).status).toBe(404);
    expect((await globex().patch(path, { name: 'hijacked' })).status).toBe(404);
    expect((await globex().get(`${path}/versions`)).status).toBe(404);
    expect((await globex().get(`${path}/versions/1`)).status).toBe(404);
    expect((await globex().put(`${path}/toggle?is_active=false`)).status).toBe(404);
    expect((await globex().delete(path)).status).toBe(404);
    expect((await globex().get('/api/v1/automation/rules')).body).toEqual({ items: [] });
    expect((await acme().get(path)).body).toEqual(stored(created));
  });
});

describe('reading, editing, toggling and deleting rules', () => {
  it('when rules are listed with filters, then only matching rules of the tenant come back, newest first', async () => {
    const t = client(flowline.current.baseUrl, 'filters-tenant');
    const a = (await t.post('/api/v1/automation/rules', HIGH_VALUE_DEAL_ALERT)).body;
    const b = (await t.post('/api/v1/automation/rules', { ...HIGH_VALUE_DEAL_ALERT, trigger_id: 'opportunity_created', is_active: false })).body;
    const c = (
      await t.post('/api/v1/automation/rules', {
        name: 'Lead task',
        module_type: 'crm',
        trigger_id: 'lead_created',
        actions: [{ type: 'create_task', parameters: { title: 'Call {{lead_id}}' } }],
      })
    ).body;
    const ids = async (query: string) => (await t.get(`/api/v1/automation/rules${query}`)).body.items.map((r: { id: string }) => r.id);
    expect(await ids('')).toEqual([c.id, b.id, a.id]);
    expect(await ids('?module_type=sales')).toEqual([b.id, a.id]);
    expect(await ids('?trigger_id=high_value_opportunity')).toEqual([a.id]);
    expect(await ids('?is_active=false')).toEqual([b.id]);
    expect(await ids('?is_active=true&module_type=crm')).toEqual([c.id]);
  });

  it.each([
    ['is_active=yes', ['query.is_active']],
    ['is_active[$ne]=x', ['query.is_active[$ne]']],
    ['is_active=true&is_active=false', ['query.is_active']],
    ['module_type=hr', ['query.module_type']],
    ['tenant_id=globex', ['query.tenant_id']],
  ])('when the list is filtered with %s, then 400 and no query runs', async (query, expected) => {
    const res = await acme().get(`/api/v1/automation/rules?${query}`);
    expect(res.status).toBe(400);
    expect(paths(res.body)).toEqual(expected);
  });

  it('when a rule id is not a UUID or is an operator, then 400', async () => {
    for (const id of ['nope', encodeURIComponent('{"$ne":null}')]) {
      const res = await acme().get(`/api/v1/automation/rules/${id}`);
      expect(res.status).toBe(400);
      expect(paths(res.body)).toEqual(['path.rule_id']);
    }
  });

  it('when a rule is toggled, then 200 returns it with the new state and a later updated_at', async () => {
    const rule = (await acme().post('/api/v1/automation/rules', HIGH_VALUE_DEAL_ALERT)).body;
    await new Promise((r) => setTimeout(r, 5));
    const off = await acme().put(`/api/v1/automation/rules/${rule.id}/toggle?is_active=false`);
    expect(off.status).toBe(200);
    expect(off.body).toMatchObject({ id: rule.id, is_active: false, created_at: rule.created_at });
    expect(off.body.updated_at > rule.updated_at).toBe(true);
    expect((await acme().put(`/api/v1/automation/rules/${rule.id}/toggle?is_active=true`)).body.is_active).toBe(true);
  });

  it('when toggle has no or a bad is_active, then 400', async () => {
    const rule = (await acme().post('/api/v1/automation/rules', HIGH_VALUE_DEAL_ALERT)).body;
    expect((await acme().put(`/api/v1/automation/rules/${rule.id}/toggle`)).status).toBe(400);
    expect((await acme().put(`/api/v1/automation/rules/${rule.id}/toggle?is_active=1`)).status).toBe(400);
  });

  it('when a rule is patched, then the given fields change and the others stay', async () => {
    const rule = (await acme().post('/api/v1/automation/rules', HIGH_VALUE_DEAL_ALERT)).body;
    const res = await acme().patch(`/api/v1/automation/rules/${rule.id}`, { name: 'Renamed', conditions: [{ type: 'value_threshold', value: 50000 }] }, { 'content-type': 'application/merge-patch+json' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: rule.id, name: 'Renamed', conditions: [{ type: 'value_threshold', value: 50000 }], actions: rule.actions });
    expect((await acme().get(`/api/v1/automation/rules/${rule.id}`)).body).toEqual(stored(res.body));
  });

  it('when an edit is invalid or tries to move the rule, then 400 and the rule is unchanged', async () => {
    const rule = (await acme().post('/api/v1/automation/rules', HIGH_VALUE_DEAL_ALERT)).body;
    const { warnings: _w, ...read } = rule;
    expect(paths((await acme().put(`/api/v1/automation/rules/${rule.id}`, { ...read, tenant_id: 'globex' })).body)).toEqual(['tenant_id']);
    expect(paths((await acme().put(`/api/v1/automation/rules/${rule.id}`, { ...read, trigger_id: 'lead_created' })).body)).toEqual(['trigger_id']);
    expect(paths((await acme().patch(`/api/v1/automation/rules/${rule.id}`, { is_admin: true })).body)).toEqual(['is_admin']);
    expect(paths((await acme().patch(`/api/v1/automation/rules/${rule.id}`, { module_type: 'crm' })).body)).toEqual(['module_type']);
    expect(paths((await acme().patch(`/api/v1/automation/rules/${rule.id}`, { actions: null })).body)).toEqual(['actions']);
    expect((await acme().patch(`/api/v1/automation/rules/${rule.id}`, {})).status).toBe(400);
    expect((await acme().patch(`/api/v1/automation/rules/${rule.id}`, { version: 1 })).status).toBe(400);
    expect((await acme().patch(`/api/v1/automation/rules/${rule.id}`, '', { 'content-type': 'application/merge-patch+json' })).status).toBe(400);
    expect(paths((await acme().put(`/api/v1/automation/rules/${rule.id}`, {})).body).sort()).toEqual(['actions', 'name']);
    expect((await acme().get(`/api/v1/automation/rules/${rule.id}`)).body).toEqual(stored(rule));
  });

  it('when a rule is deleted, then 204, and it is gone for every verb', async () => {
    const rule = (await acme().post('/api/v1/automation/rules', HIGH_VALUE_DEAL_ALERT)).body;
    expect((await acme().delete(`/api/v1/automation/rules/${rule.id}`)).status).toBe(204);
    expect((await acme().get(`/api/v1/automation/rules/${rule.id}`)).status).toBe(404);
    expect((await acme().delete(`/api/v1/automation/rules/${rule.id}`)).status).toBe(404);
  });
});

describe('GET /api/v1/automation/triggers', () => {
  it('when listed without a filter, then the 10 triggers of CRM and Sales (the spec’s 9 plus lead_status_changed) come back with their required data', async () => {
    const res = await acme().get('/api/v1/automation/triggers');
    expect(res.status).toBe(200);
    expect(res.body).toHaveLength(10);
    expect(res.body.find((t: { id: string }) => t.id === 'contact_status_changed')).toMatchObject({
      id: 'contact_status_changed',
      module_type: 'crm',
      description: "When a contact's status changes",
      required_data: ['contact_id', 'old_status', 'new_status'],
    });
  });
  it('when listed, then each trigger describes its data (name, type, required, example) and a sample event the api accepts', async () => {
    const triggers = (await acme().get('/api/v1/automation/triggers?module_type=sales')).body;
    const high = triggers.find((t: { id: string }) => t.id === 'high_value_opportunity');
    expect(high.data).toContainEqual({ name: 'value', type: 'number', required: true, description: expect.any(String), example: 25000 });
    expect(high.data).toContainEqual(expect.objectContaining({ name: 'opportunity_name', type: 'string', required: false }));
    expect(high.placeholders).toEqual(expect.arrayContaining(['{{opportunity_name}}', '{{value}}', '{{tenant_id}}', '{{event_id}}', '{{trigger_id}}']));
    for (const t of triggers) expect((await acme().post('/api/v1/events', { type: t.id, data: t.sample_data })).status).toBe(202);
  });
  it('when filtered by module, then only that module’s triggers come back', async () => {
    const res = await acme().get('/api/v1/automation/triggers?module_type=crm');
    expect(res.body.map((t: { module_type: string }) => t.module_type)).toEqual(['crm', 'crm', 'crm', 'crm', 'crm']);
  });
  it('when the module is unknown, then 400', async () => {
    expect((await acme().get('/api/v1/automation/triggers?module_type=hr')).status).toBe(400);
  });
});

describe('POST /api/v1/events', () => {
  it('when the event is valid, then 202 returns its id, and a client-supplied id is kept', async () => {
    const res = await acme().post('/api/v1/events', { type: 'lead_created', data: { lead_id: 'l1' } });
    expect(res.status).toBe(202);
    expect(res.body.id).toMatch(/^[0-9a-f-]{36}$/);
    const id = '3f1d2c3b-4a5e-4f60-8a7b-9c0d1e2f3a4b';
    expect((await acme().post('/api/v1/events', { id, type: 'lead_created', data: { lead_id: 'l1' } })).body).toEqual({ id });
  });
  it.each([
    ['an unknown trigger', { type: 'lead_exploded', data: {} }, ['type']],
    ['missing required data', { type: 'high_value_opportunity', data: { opportunity_name: 'x' } }, ['data.opportunity_id', 'data.value']],
    ['a non-numeric value', { type: 'deal_closed_won', data: { opportunity_id: 'o', value: '10' } }, ['data.value']],
    ['data that is not an object', { type: 'contact_created', data: [1] }, ['data']],
    ['a tenant_id in the body', { type: 'contact_created', data: {}, tenant_id: 'globex' }, ['tenant_id']],
    ['a bad id', { type: 'contact_created', data: {}, id: 'not-a-uuid' }, ['id']],
  ])('when the event has %s, then 400 names the path', async (_what, body, expected) => {
    const res = await acme().post('/api/v1/events', body);
    expect(res.status).toBe(400);
    expect(paths(res.body).sort()).toEqual([...expected].sort());
  });
});

describe('unknown routes', () => {
  it('when a route does not exist, then 404 is a problem document', async () => {
    const res = await acme().get('/api/v1/nope');
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ status: 404, code: 'route_not_found' });
  });
});
