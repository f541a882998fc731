import { randomUUID } from 'node:crypto';
import { parseTenantId, type Rule } from '@flowline/contracts';
import { expect, it } from 'vitest';
import { makeNotification, makeRule, makeTask } from '../../../libs/storage/test/documents.ts';
import { HIGH_VALUE_DEAL_ALERT, client, useInProcessFlowline } from '../../../test/support/harness.ts';
import { describeEachStore } from '../../../test/support/store-target.ts';

/*
 * The lists that answered bare arrays before they answered pages (rules, a rule's versions,
 * notifications, tasks): `{items, next_cursor}` over HTTP on both stores, and the deprecated
 * `shape=array` answer kept for clients of the old shape.
 */

/** Every page of `path` (which has a query already), following next_cursor; the pages as read. */
async function walk(t: ReturnType<typeof client>, path: string): Promise<Array<{ items: any[]; next_cursor?: string }>> {
  const pages = [];
  let cursor: string | undefined;
  do {
    const res = await t.get(`${path}${cursor === undefined ? '' : `&cursor=${cursor}`}`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    pages.push(res.body);
    cursor = res.body.next_cursor;
    if (pages.length > 50) throw new Error('the cursor never runs out');
  } while (cursor !== undefined);
  return pages;
}

const idsOf = (pages: Array<{ items: Array<{ id: string }> }>) => pages.flatMap((page) => page.items.map((item) => item.id));

/** Each test writes a dozen rules, every one a transaction on MongoDB: room for a shared, busy server. */
const WRITES_TIMEOUT_MS = 60_000;

describeEachStore('list pages over HTTP', (kind) => {
  const flowline = useInProcessFlowline(`pages-${kind}`, { kind });

  it('when rules, notifications, tasks and versions are read 2 at a time, then every item comes once, newest first, and the last page has no next_cursor', async () => {
    const tenant = parseTenantId(`pages-${randomUUID().slice(0, 8)}`);
    const t = client(flowline.current.baseUrl, tenant);
    const { stores } = flowline.current;
    const rules = Array.from({ length: 5 }, (_, i) => makeRule(tenant, { created_at: new Date(Date.UTC(2026, 0, 1, 0, 0, i % 2)).toISOString() }));
    // One at a time: MongoDB runs each in a transaction, and concurrent ones on one collection conflict and back off.
    for (const rule of rules) await stores.rules.insert(tenant, rule);
    const notifications = Array.from({ length: 5 }, (_, i) => makeNotification(tenant, { created_at: new Date(Date.UTC(2026, 0, 1, 0, 0, i % 2)).toISOString() }));
    const tasks = Array.from({ length: 4 }, () => makeTask(tenant));
    await Promise.all([...notifications.map((n) => stores.notifications.insertIfAbsent(tenant, n)), ...tasks.map((task) => stores.tasks.insertIfAbsent(tenant, task))]);
    const newestFirst = (docs: Array<{ id: string; created_at: string }>) =>
      [...docs].sort((x, y) => (x.created_at === y.created_at ? (x.id < y.id ? 1 : -1) : x.created_at < y.created_at ? 1 : -1)).map((d) => d.id);

    const rulePages = await walk(t, '/api/v1/automation/rules?limit=2');
    expect(idsOf(rulePages)).toEqual(newestFirst(rules));
    expect(rulePages.map((page) => page.items.length)).toEqual([2, 2, 1]);
    expect(idsOf(await walk(t, '/api/v1/notifications?limit=2'))).toEqual(newestFirst(notifications));
    const taskPages = await walk(t, '/api/v1/tasks?limit=2');
    expect(idsOf(taskPages)).toEqual(newestFirst(tasks));
    expect(taskPages.at(-1)).not.toHaveProperty('next_cursor');

    const created = (await t.post('/api/v1/automation/rules', HIGH_VALUE_DEAL_ALERT)).body;
    for (const active of [false, true, false]) expect((await t.put(`/api/v1/automation/rules/${created.id}/toggle?is_active=${active}`)).status).toBe(200);
    const versionPages = await walk(t, `/api/v1/automation/rules/${created.id}/versions?limit=3`);
    expect(versionPages.flatMap((page) => page.items.map((v) => v.version))).toEqual([4, 3, 2, 1]);
    expect(versionPages).toHaveLength(2);
  }, WRITES_TIMEOUT_MS);

  it('when a filter is given, then every page keeps it', async () => {
    const tenant = parseTenantId(`filter-${randomUUID().slice(0, 8)}`);
    const t = client(flowline.current.baseUrl, tenant);
    const rules = Array.from({ length: 6 }, (_, i) => makeRule(tenant, { is_active: i % 2 === 0, created_at: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString() }));
    for (const rule of rules) await flowline.current.stores.rules.insert(tenant, rule);
    const paused = await walk(t, '/api/v1/automation/rules?is_active=false&limit=2');
    expect(idsOf(paused)).toEqual(rules.filter((r) => !r.is_active).reverse().map((r) => r.id));
  }, WRITES_TIMEOUT_MS);

  it('when ?shape=array is sent, then the old bare array of the page comes with Deprecation and Link headers, Link naming the next page in the same shape', async () => {
    const tenant = parseTenantId(`array-${randomUUID().slice(0, 8)}`);
    const t = client(flowline.current.baseUrl, tenant);
    const rules = Array.from({ length: 3 }, (_, i) => makeRule(tenant, { created_at: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString() }));
    for (const rule of rules) await flowline.current.stores.rules.insert(tenant, rule);

    const page = await t.get('/api/v1/automation/rules?limit=2');
    expect(page.body.items).toHaveLength(2);
    expect(page.headers.get('deprecation')).toBeNull();

    const first = await t.get('/api/v1/automation/rules?shape=array&limit=2');
    expect(first.status).toBe(200);
    expect(first.body.map((r: Rule) => r.id)).toEqual([rules[2]!.id, rules[1]!.id]);
    expect(first.headers.get('deprecation')).toBe('@1795996800');
    expect(first.headers.get('link')).toMatch(/^<\/docs>; rel="deprecation"; type="text\/html", <[^>]+>; rel="next"$/);
    const next = /<([^>]+)>; rel="next"/.exec(first.headers.get('link') ?? '')?.[1];
    expect(next).toMatch(/^\/api\/v1\/automation\/rules\?shape=array&limit=2&cursor=[A-Za-z0-9_-]+$/);
    const rest = await t.get(next!);
    expect(rest.body.map((r: Rule) => r.id)).toEqual([rules[0]!.id]);
    expect(rest.headers.get('link')).toBe('</docs>; rel="deprecation"; type="text/html"');

    for (const path of ['/api/v1/notifications', '/api/v1/tasks']) {
      const old = await t.get(`${path}?shape=array`);
      expect(old.body).toEqual([]);
      expect(old.headers.get('deprecation')).toBe('@1795996800');
    }
    expect((await t.get('/api/v1/automation/rules?shape=list')).status).toBe(400);
  }, WRITES_TIMEOUT_MS);

  // Store-independent (the api reads page after page), so defined for one store only; the stores' paging is
  // proven on both by the contract suite.
  if (kind === 'sqlite') it('when ?shape=array is sent without a limit, then the array holds every rule, more than a page, as it always did', async () => {
    const tenant = parseTenantId(`all-${randomUUID().slice(0, 8)}`);
    const t = client(flowline.current.baseUrl, tenant);
    const rules: Rule[] = Array.from({ length: 53 }, (_, i) => makeRule(tenant, { created_at: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString() }));
    for (const rule of rules) await flowline.current.stores.rules.insert(tenant, rule);

    const page = await t.get('/api/v1/automation/rules');
    expect(page.body.items).toHaveLength(50);
    expect(page.body.next_cursor).toEqual(expect.any(String));
    const all = await t.get('/api/v1/automation/rules?shape=array');
    expect(all.body.map((r: Rule) => r.id)).toEqual(rules.map((r) => r.id).reverse());
    expect(all.headers.get('link')).toBe('</docs>; rel="deprecation"; type="text/html"');
  }, WRITES_TIMEOUT_MS);

  it("when tenant B sends a cursor from tenant A's page, then B gets only its own rules, notifications and versions; a cursor the api never made is a 400", async () => {
    const a = parseTenantId(`iso-a-${randomUUID().slice(0, 8)}`);
    const b = parseTenantId(`iso-b-${randomUUID().slice(0, 8)}`);
    const { stores } = flowline.current;
    const ofB = makeRule(b, { created_at: new Date(Date.UTC(2026, 0, 1)).toISOString() });
    for (let i = 0; i < 3; i += 1) await stores.rules.insert(a, makeRule(a, { created_at: new Date(Date.UTC(2026, 0, 2, 0, 0, i)).toISOString() }));
    await stores.rules.insert(b, ofB);
    await Promise.all([0, 1, 2].map((i) => stores.notifications.insertIfAbsent(a, makeNotification(a, { created_at: new Date(Date.UTC(2026, 0, 2, 0, 0, i)).toISOString() }))));
    const asA = client(flowline.current.baseUrl, a);
    const asB = client(flowline.current.baseUrl, b);

    const rulesCursor = (await asA.get('/api/v1/automation/rules?limit=1')).body.next_cursor;
    const rulesForB = await asB.get(`/api/v1/automation/rules?limit=50&cursor=${rulesCursor}`);
    expect(rulesForB.body).toEqual({ items: [ofB] });
    const notificationsCursor = (await asA.get('/api/v1/notifications?limit=1')).body.next_cursor;
    expect((await asB.get(`/api/v1/notifications?cursor=${notificationsCursor}`)).body).toEqual({ items: [] });

    const rule = (await asA.post('/api/v1/automation/rules', HIGH_VALUE_DEAL_ALERT)).body;
    await asA.put(`/api/v1/automation/rules/${rule.id}/toggle?is_active=false`);
    const versionsCursor = (await asA.get(`/api/v1/automation/rules/${rule.id}/versions?limit=1`)).body.next_cursor;
    expect(versionsCursor).toEqual(expect.any(String));
    expect((await asB.get(`/api/v1/automation/rules/${rule.id}/versions?cursor=${versionsCursor}`)).body).toEqual({ items: [] });
    expect((await asB.get(`/api/v1/automation/rules/${rule.id}/versions`)).status).toBe(404);

    for (const path of ['/api/v1/automation/rules', '/api/v1/notifications', '/api/v1/tasks', `/api/v1/automation/rules/${rule.id}/versions`]) {
      const res = await asA.get(`${path}?cursor=bm90LWEtY3Vyc29y`);
      expect(res.status, path).toBe(400);
      expect(res.body.errors).toEqual([{ path: 'query.cursor', message: expect.any(String) }]);
    }
    // A rules cursor is no versions cursor, and the other way round.
    expect((await asA.get(`/api/v1/automation/rules/${rule.id}/versions?cursor=${rulesCursor}`)).status).toBe(400);
    expect((await asA.get(`/api/v1/automation/rules?cursor=${versionsCursor}`)).status).toBe(400);
  }, WRITES_TIMEOUT_MS);
});
