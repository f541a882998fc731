import { describe, expect, it } from 'vitest';
import { client, useInProcessFlowline } from '../../../test/support/harness.ts';

const flowline = useInProcessFlowline('entities');

const acme = () => client(flowline.current.baseUrl, 'acme-corp');
const globex = () => client(flowline.current.baseUrl, 'globex');

const CONTACT = { name: 'Ada Lovelace', email: 'ada@example.com' };
const OPPORTUNITY = { name: 'Analytical engine', value: 5000, currency: 'GBP', owner: 'charles@example.com' };

describe.each([
  ['/api/v1/crm/contacts', CONTACT, { status: 'qualified' }],
  ['/api/v1/crm/leads', { name: 'Expo visitor', source: 'trade-show' }, { status: 'contacted' }],
  ['/api/v1/sales/opportunities', OPPORTUNITY, { stage: 'negotiation' }],
])('%s', (path, body, change) => {
  it('when created, then 201 returns it at version 1 and GET returns the same', async () => {
    const res = await acme().post(path, body);
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ ...body, tenant_id: 'acme-corp', version: 1 });
    expect(res.headers.get('location')).toBe(`${path}/${res.body.id}`);
    expect((await acme().get(`${path}/${res.body.id}`)).body).toEqual(res.body);
  });

  it('when patched with the version read, then it changes and the version grows; a stale version gets 409 and changes nothing', async () => {
    const created = (await acme().post(path, body)).body;
    const patched = await acme().request('PATCH', `${path}/${created.id}`, { version: 1, ...change });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ ...change, version: 2 });

    const stale = await acme().request('PATCH', `${path}/${created.id}`, { version: 1, name: 'Overwritten' });
    expect(stale.status).toBe(409);
    expect(stale.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(stale.body.code).toBe('version_conflict');
    expect((await acme().get(`${path}/${created.id}`)).body).toEqual(patched.body);
  });

  it('when a patch repeats the stored values, then nothing changes and the version stays', async () => {
    const created = (await acme().post(path, body)).body;
    const same = await acme().request('PATCH', `${path}/${created.id}`, { version: 1, name: created.name });
    expect(same.status).toBe(200);
    expect(same.body).toEqual(created);
  });

  it("when another tenant reads or patches the id, then 404 and the entity is unchanged", async () => {
    const created = (await acme().post(path, body)).body;
    expect((await globex().get(`${path}/${created.id}`)).status).toBe(404);
    expect((await globex().request('PATCH', `${path}/${created.id}`, { version: 1, name: 'Stolen' })).status).toBe(404);
    expect((await globex().get(path)).body.items).toEqual([]);
    expect((await acme().get(`${path}/${created.id}`)).body).toEqual(created);
  });

  it('when the body names an id, tenant_id or version, then 400 lists them and nothing is stored', async () => {
    const res = await globex().post(path, { ...body, id: 'x', tenant_id: 'acme-corp', version: 7 });
    expect(res.status).toBe(400);
    expect(res.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['id', 'tenant_id', 'version']);
  });
});

describe('contact e-mail', () => {
  // Found by schemathesis: such an address was stored, though RFC 5321 caps the local part at 64.
  it('when the part before @ is longer than 64 characters, then 400 names email and nothing is stored; 64 is accepted', async () => {
    const tenant = client(flowline.current.baseUrl, 'email-corp');
    const tooLong = await tenant.post('/api/v1/crm/contacts', { name: 'Long', email: `${'a'.repeat(65)}@example.com` });
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.errors).toEqual([{ path: 'email', message: 'the part before @ must be at most 64 characters' }]);
    expect((await tenant.get('/api/v1/crm/contacts')).body.items).toEqual([]);
    expect((await tenant.post('/api/v1/crm/contacts', { name: 'Max', email: `${'a'.repeat(64)}@example.com` })).status).toBe(201);
  });
});

describe('listing with a cursor', () => {
  it('when a tenant pages through its contacts, then it sees each of them exactly once', async () => {
    const tenant = client(flowline.current.baseUrl, 'paging-corp');
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await tenant.post('/api/v1/crm/contacts', { ...CONTACT, name: `Contact ${i}` })).body.id);

    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await tenant.get(`/api/v1/crm/contacts?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.items.map((c: { id: string }) => c.id));
      cursor = page.body.next_cursor;
    } while (cursor);
    // Contacts created in the same millisecond come in id order, so only the set is certain.
    expect(seen).toHaveLength(ids.length);
    expect(new Set(seen)).toEqual(new Set(ids));
  });

  it('when the cursor is not one the api handed out, then 400 names query.cursor', async () => {
    const res = await acme().get('/api/v1/crm/contacts?cursor=bm9wZQ');
    expect(res.status).toBe(400);
    expect(res.body.errors[0].path).toBe('query.cursor');
  });
});

describe('/api/v1/automation/settings', () => {
  it('when a tenant sets its threshold, then it reads it back and other tenants keep the default', async () => {
    const tenant = client(flowline.current.baseUrl, 'settings-corp');
    expect((await tenant.get('/api/v1/automation/settings')).body).toEqual({ high_value_threshold: 10000 });
    expect((await tenant.put('/api/v1/automation/settings', { high_value_threshold: 50000 })).status).toBe(200);
    expect((await tenant.get('/api/v1/automation/settings')).body).toEqual({ high_value_threshold: 50000 });
    expect((await globex().get('/api/v1/automation/settings')).body).toEqual({ high_value_threshold: 10000 });
    expect((await tenant.put('/api/v1/automation/settings', { high_value_threshold: -1 })).status).toBe(400);
  });

  it('when a tenant sets its flow-control limits, then it reads them back, and a limit that is no positive number or an unknown one is a 400', async () => {
    const tenant = client(flowline.current.baseUrl, 'flow-corp');
    const settings = { high_value_threshold: 10000, flow_control: { max_events_in_flight: 4, event_rate: 20, event_burst: 50, max_commands_in_flight: 2 } };

    expect((await tenant.put('/api/v1/automation/settings', settings)).status).toBe(200);

    expect((await tenant.get('/api/v1/automation/settings')).body).toEqual(settings);
    expect((await tenant.put('/api/v1/automation/settings', { flow_control: { max_events_in_flight: 0 } })).status).toBe(400);
    expect((await tenant.put('/api/v1/automation/settings', { flow_control: { event_rate: -1 } })).status).toBe(400);
    expect((await tenant.put('/api/v1/automation/settings', { flow_control: { weight: 3 } })).status).toBe(400);
  });

  it('when the event log is filtered by deferred, then a value other than true or false is a 400', async () => {
    const tenant = client(flowline.current.baseUrl, 'flow-corp');

    expect((await tenant.get('/api/v1/events?deferred=true')).status).toBe(200);
    expect((await tenant.get('/api/v1/events?deferred=yes')).status).toBe(400);
  });
});
