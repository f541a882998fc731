import { describe, expect, it } from 'vitest';
import { HIGH_VALUE_DEAL_ALERT, client, eventually, useInProcessFlowline } from '../../../test/support/harness.ts';

const flowline = useInProcessFlowline('versions');
const as = (tenant: string) => client(flowline.current.baseUrl, tenant);

async function created(tenant: string) {
  const res = await as(tenant).post('/api/v1/automation/rules', HIGH_VALUE_DEAL_ALERT);
  expect(res.status).toBe(201);
  return { id: res.body.id as string, path: `/api/v1/automation/rules/${res.body.id}` };
}

describe('rule versions and concurrency', () => {
  it('when GET is followed by PUT of the same body, then it succeeds and the version goes from 1 to 2, with the ETag following', async () => {
    const t = as('v-roundtrip');
    const { path } = await created('v-roundtrip');
    const read = await t.get(path);
    expect(read.body.version).toBe(1);
    expect(read.headers.get('etag')).toBe('"1"');
    const put = await t.put(path, read.body);
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ version: 2, name: HIGH_VALUE_DEAL_ALERT.name, warnings: [] });
    expect(put.headers.get('etag')).toBe('"2"');
    expect((await t.get(path)).body.version).toBe(2);
  });

  it('when two people edit from the same read, then the second gets 409 whether it sends version or If-Match, and the first edit stands', async () => {
    const t = as('v-conflict');
    const { path } = await created('v-conflict');
    const read = (await t.get(path)).body;
    expect((await t.put(path, { ...read, name: 'Alice' })).status).toBe(200);
    const stale = await t.put(path, { ...read, name: 'Bob' });
    expect(stale.status).toBe(409);
    expect(stale.body).toMatchObject({ code: 'version_conflict', detail: expect.stringContaining('is at version 2') });
    const { version: _v, ...withoutVersion } = read;
    expect((await t.put(path, { ...withoutVersion, name: 'Bob' }, { 'if-match': '"1"' })).status).toBe(409);
    expect((await t.patch(path, { name: 'Bob' }, { 'if-match': '"1"', 'content-type': 'application/merge-patch+json' })).status).toBe(409);
    expect((await t.patch(path, { name: 'Bob', version: 1 })).status).toBe(409);
    expect((await t.put(`${path}/toggle?is_active=false`, undefined, { 'if-match': '"1"' })).status).toBe(409);
    expect((await t.get(path)).body).toMatchObject({ name: 'Alice', version: 2, is_active: true });
    const fresh = await t.patch(path, { name: 'Bob' }, { 'if-match': '"2"', 'content-type': 'application/merge-patch+json' });
    expect(fresh.body).toMatchObject({ name: 'Bob', version: 3 });
  });

  it('when If-Match is not an ETag or disagrees with version, then 400 names it', async () => {
    const t = as('v-bad-if-match');
    const { path } = await created('v-bad-if-match');
    expect((await t.patch(path, { name: 'x' }, { 'if-match': 'three' })).body.errors).toEqual([{ path: 'header.if-match', message: expect.any(String) }]);
    expect((await t.patch(path, { name: 'x', version: 2 }, { 'if-match': '"1"' })).body.errors).toEqual([{ path: 'version', message: expect.stringContaining('If-Match') }]);
  });

  it('when a rule is changed, then each version is kept as an immutable snapshot with its actor and time, and the execution names the version that ran', async () => {
    const t = as('v-history');
    const { id, path } = await created('v-history');
    await t.patch(path, { conditions: [{ type: 'value_threshold', value: 20000 }] });
    await t.put(`${path}/toggle?is_active=false`);
    await t.put(`${path}/toggle?is_active=true`);
    const versions = await t.get(`${path}/versions`);
    expect(versions.status).toBe(200);
    expect(versions.body.items.map((v: any) => [v.version, v.action, v.actor])).toEqual([
      [4, 'toggled', 'trusted-header'],
      [3, 'toggled', 'trusted-header'],
      [2, 'updated', 'trusted-header'],
      [1, 'created', 'trusted-header'],
    ]);
    const first = await t.get(`${path}/versions/1`);
    expect(first.body.rule).toMatchObject({ id, version: 1, conditions: HIGH_VALUE_DEAL_ALERT.conditions });
    expect(first.body.created_at).toMatch(/^\d{4}-/);
    expect((await t.get(`${path}/versions/2`)).body.rule.conditions).toEqual([{ type: 'value_threshold', value: 20000 }]);
    expect((await t.get(`${path}/versions/9`)).status).toBe(404);

    const event = await t.post('/api/v1/events', { type: 'high_value_opportunity', data: { opportunity_id: 'o1', opportunity_name: 'Big', value: 25000 } });
    const [execution] = await eventually(async () => {
      const list = (await t.get(`/api/v1/automation/executions?event_id=${event.body.id}`)).body.items;
      return list.length > 0 ? list : undefined;
    });
    expect(execution).toMatchObject({ rule_id: id, rule_version: 4, matched: true });
  });

  it('when a rule is deleted, then its history stays readable and the audit says who deleted which version', async () => {
    const t = as('v-deleted');
    const { id, path } = await created('v-deleted');
    expect((await t.delete(path)).status).toBe(204);
    expect((await t.get(`${path}/versions`)).body.items.map((v: any) => v.version)).toEqual([1]);
    expect((await t.get('/api/v1/audit')).body.items[0]).toMatchObject({ action: 'rule.deleted', target_id: id, version_before: 1, version_after: null });
  });
});

describe('GET /api/v1/audit', () => {
  it('when rules and settings change, then the audit lists each change newest first with actor, action, versions and fields, a page at a time', async () => {
    const t = as('audit-tenant');
    const { id, path } = await created('audit-tenant');
    const read = (await t.get(path)).body;
    await t.put(path, { ...read, name: 'Renamed' });
    await t.patch(path, { description: 'Edited' });
    await t.put('/api/v1/automation/settings', { high_value_threshold: 5000 });

    const first = await t.get('/api/v1/audit?limit=2');
    expect(first.status).toBe(200);
    expect(first.body.items.map((e: any) => e.action)).toEqual(['settings.updated', 'rule.updated']);
    expect(first.body.items[0]).toMatchObject({ actor: 'trusted-header', target_type: 'settings', changed_fields: ['high_value_threshold'] });
    expect(first.body.items[1]).toMatchObject({ target_id: id, version_before: 2, version_after: 3, changed_fields: ['description'] });
    const second = await t.get(`/api/v1/audit?limit=2&cursor=${first.body.next_cursor}`);
    expect(second.body.items).toMatchObject([
      { action: 'rule.updated', version_before: 1, version_after: 2, changed_fields: ['name'], target_name: 'Renamed' },
      { action: 'rule.created', version_before: null, version_after: 1 },
    ]);
    expect(second.body.next_cursor).toBeUndefined();
    expect((await as('audit-other').get('/api/v1/audit')).body).toEqual({ items: [] });
    expect((await t.get('/api/v1/audit?cursor=bm9wZQ')).status).toBe(400);
  });
});
