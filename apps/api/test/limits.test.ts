import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, defaultApiSecurity } from '@flowline/api';
import type { MessageBus } from '@flowline/messaging';
import { silentLogger } from '@flowline/observability';
import { catalogue } from '@flowline/rules';
import type { Stores } from '@flowline/storage';
import { startApiOnly, type ApiOnly } from '../../../test/support/api-only.ts';
import { client, HIGH_VALUE_DEAL_ALERT } from '../../../test/support/harness.ts';

const EVENT = { type: 'lead_created', data: { lead_id: 'l1' } };

let api: ApiOnly;
beforeAll(async () => {
  api = await startApiOnly((security) => {
    security.limits = { ...security.limits, windowMs: 60_000, writesPerWindow: 3, eventsPerWindow: 2, maxRulesPerTenant: 4, maxConditionsPerRule: 2, maxActionsPerRule: 1 };
  });
});
afterAll(() => api.stop());

const as = (tenant: string) => client(api.baseUrl, tenant);
const expectRateLimited = (res: { status: number; headers: Headers; body: any }) => {
  expect(res.status).toBe(429);
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(res.body).toMatchObject({ status: 429, code: 'rate_limited' });
  const retryAfter = Number(res.headers.get('retry-after'));
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(60);
};

describe('per-tenant rate limits', () => {
  it('when a tenant exceeds its writes, then it gets 429 with Retry-After while another tenant’s writes and its own reads are served', async () => {
    const statuses = await Promise.all(Array.from({ length: 8 }, () => as('acme-corp').post('/api/v1/automation/rules', HIGH_VALUE_DEAL_ALERT)));
    expect(statuses.filter((r) => r.status === 201)).toHaveLength(3);
    for (const limited of statuses.filter((r) => r.status !== 201)) expectRateLimited(limited);

    const other = await Promise.all(Array.from({ length: 3 }, () => as('globex').post('/api/v1/automation/rules', HIGH_VALUE_DEAL_ALERT)));
    expect(other.map((r) => r.status)).toEqual([201, 201, 201]);
    expect((await as('acme-corp').get('/api/v1/automation/rules')).body.items).toHaveLength(3);
    expectRateLimited(await as('acme-corp').delete(`/api/v1/automation/rules/${other[0]!.body.id}`));
  });

  it('when a tenant exceeds its events, then 429 while other tenants publish and its rule writes keep their own budget', async () => {
    const mine = await Promise.all(Array.from({ length: 5 }, () => as('initech').post('/api/v1/events', EVENT)));
    expect(mine.filter((r) => r.status === 202)).toHaveLength(2);
    for (const limited of mine.filter((r) => r.status !== 202)) expectRateLimited(limited);
    expect((await as('umbrella').post('/api/v1/events', EVENT)).status).toBe(202);
    expect((await as('umbrella').post('/api/v1/events', EVENT)).status).toBe(202);
    expect((await as('initech').post('/api/v1/automation/rules', HIGH_VALUE_DEAL_ALERT)).status).toBe(201);
  });
});

describe('per-tenant read limit', () => {
  it('when a tenant exceeds its reads, then its GETs get 429 on every read route while another tenant reads and it still writes', async () => {
    const readsApi = await startApiOnly((security) => {
      security.limits = { ...security.limits, readsPerWindow: 4 };
    });
    try {
      const reader = client(readsApi.baseUrl, 'wayne');
      const paths = ['/api/v1/automation/rules', '/api/v1/automation/executions', '/api/v1/tasks', '/api/v1/crm/contacts', '/api/v1/automation/triggers', '/api/v1/notifications'];
      const statuses = [];
      for (const path of paths) statuses.push((await reader.get(path)).status);
      expect(statuses).toEqual([200, 200, 200, 200, 429, 429]);
      expectRateLimited(await reader.get('/api/v1/AUTOMATION/rules/'));
      expect((await client(readsApi.baseUrl, 'kent').get('/api/v1/automation/rules')).status).toBe(200);
      expect((await reader.post('/api/v1/automation/rules', HIGH_VALUE_DEAL_ALERT)).status).toBe(201);
    } finally {
      await readsApi.stop();
    }
  });
});

describe('rules per tenant', () => {
  it('when a tenant holds the most rules it may, then creating another is a 409 problem, and other tenants are unaffected', async () => {
    const { stores } = api;
    const tenant = 'hooli' as Parameters<Stores['rules']['insert']>[0];
    for (let i = 0; i < 4; i++) {
      const now = new Date().toISOString();
      await stores.rules.insert(tenant, { ...HIGH_VALUE_DEAL_ALERT, id: crypto.randomUUID(), tenant_id: tenant, is_active: true, created_at: now, updated_at: now } as never);
    }
    const res = await as('hooli').post('/api/v1/automation/rules', HIGH_VALUE_DEAL_ALERT);
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ code: 'rule_limit_reached', status: 409 });
    expect((await as('pied-piper').post('/api/v1/automation/rules', HIGH_VALUE_DEAL_ALERT)).status).toBe(201);
  });
});

describe('conditions and actions per rule', () => {
  it('when a deployment lowers the caps, then a rule over them is a 400 naming the list, on create and on update', async () => {
    const condition = { type: 'value_threshold', value: 1 };
    const over = await as('stark').post('/api/v1/automation/rules', { ...HIGH_VALUE_DEAL_ALERT, conditions: [condition, condition, condition] });
    expect(over.status).toBe(400);
    expect(over.body.errors).toEqual([{ path: 'conditions', message: 'at most 2 conditions per rule' }]);
    const created = await as('stark').post('/api/v1/automation/rules', { ...HIGH_VALUE_DEAL_ALERT, conditions: [condition, condition] });
    expect(created.status).toBe(201);
    const update = await client(api.baseUrl, 'stark').patch(`/api/v1/automation/rules/${created.body.id}`, { actions: [...HIGH_VALUE_DEAL_ALERT.actions, ...HIGH_VALUE_DEAL_ALERT.actions] });
    expect(update.status).toBe(400);
    expect(update.body.errors).toEqual([{ path: 'actions', message: 'at most 1 actions per rule' }]);
  });
});

describe('response headers', () => {
  it('when any response is sent, then helmet’s headers are on it', async () => {
    for (const res of [await as('acme-corp').get('/api/v1/automation/triggers'), await as('acme-corp').get('/api/v1/nope'), await client(api.baseUrl, undefined).get('/docs')]) {
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
      expect(res.headers.get('strict-transport-security')).toMatch(/max-age=/);
      expect(res.headers.get('x-frame-options')).toBe('SAMEORIGIN');
      expect(res.headers.get('x-powered-by')).toBeNull();
    }
  });

  it('when a browser on another origin asks and no CORS origins are configured, then no CORS header allows it', async () => {
    const c = client(api.baseUrl, 'acme-corp');
    const simple = await c.request('GET', '/api/v1/automation/triggers', undefined, { origin: 'https://evil.example' });
    expect(simple.headers.get('access-control-allow-origin')).toBeNull();
    const preflight = await c.request('OPTIONS', '/api/v1/automation/rules', undefined, { origin: 'https://evil.example', 'access-control-request-method': 'POST' });
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('CORS allow-list and request timeout', () => {
  let open: ApiOnly;
  beforeAll(async () => {
    open = await startApiOnly((security) => {
      security.corsOrigins = ['https://app.example'];
    });
  });
  afterAll(() => open.stop());

  it('when an allowed origin sends a preflight, then it is allowed; another origin is not', async () => {
    const c = client(open.baseUrl, 'acme-corp');
    const allowed = await c.request('OPTIONS', '/api/v1/automation/rules', undefined, { origin: 'https://app.example', 'access-control-request-method': 'POST' });
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://app.example');
    expect(allowed.headers.get('access-control-allow-headers')).toContain('authorization');
    const other = await c.request('OPTIONS', '/api/v1/automation/rules', undefined, { origin: 'https://evil.example', 'access-control-request-method': 'POST' });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('when a handler does not answer within the request timeout, then 503 is a problem document with Retry-After', async () => {
    const security = defaultApiSecurity();
    security.limits.requestTimeoutMs = 200;
    const hangingBus = { publish: () => new Promise(() => {}), isConnected: () => true } as unknown as MessageBus;
    const app = createApp({ stores: {} as Stores, bus: hangingBus, catalogue, logger: silentLogger(), security });
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    try {
      const res = await client(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, 'acme-corp').post('/api/v1/events', EVENT);
      expect(res.status).toBe(503);
      expect(res.body).toMatchObject({ code: 'request_timeout', status: 503 });
      expect(res.headers.get('retry-after')).toBe('1');
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});

describe('list responses', () => {
  it('when a tenant lists 90 executions of 60 KB each with limit=500, then the page stays within 4 MiB, newest first, and its cursor goes on after the last one sent', async () => {
    const tenant = 'bigread' as Parameters<Stores['executions']['get']>[0];
    const now = Date.now();
    const executions = Array.from({ length: 90 }, (_, i) => {
      const at = new Date(now - i * 1000).toISOString();
      return {
        id: crypto.randomUUID(), tenant_id: tenant, event_id: crypto.randomUUID(), rule_id: crypto.randomUUID(), rule_name: `r${i}`, trigger_id: 'contact_created',
        correlation_id: 'c', outcome: 'matched' as const, matched: true, conditions: [], actions: [], notes: ['n'.repeat(60_000)], created_at: at, updated_at: at,
      };
    });
    const records = executions.map((execution) => ({
      tenant,
      record: {
        id: execution.event_id, tenant_id: tenant, type: 'contact_created', module_type: 'crm', source: 'crm', time: execution.created_at, received_at: execution.created_at,
        correlation_id: 'c', causation_id: null, causation_depth: 0, data: {}, status: 'matched', rules: [],
      },
      executions: [execution],
    }));
    await api.stores.events.recordProcessed(records as never);

    const res = await fetch(`${api.baseUrl}/api/v1/automation/executions?limit=500`, { headers: { 'x-tenant-id': 'bigread' } });
    const body = await res.text();
    expect(res.status).toBe(200);
    expect(Buffer.byteLength(body)).toBeLessThanOrEqual(4 * 1024 * 1024);
    const { items, next_cursor } = JSON.parse(body);
    expect(items.length).toBeGreaterThan(50);
    expect(items.length).toBeLessThan(90);
    expect(items[0].rule_name).toBe('r0');
    const rest = (await (await fetch(`${api.baseUrl}/api/v1/automation/executions?limit=500&cursor=${next_cursor}`, { headers: { 'x-tenant-id': 'bigread' } })).json()) as { items: Array<{ rule_name: string }> };
    expect(rest.items[0]?.rule_name).toBe(`r${items.length}`);
  });
});

describe('cursor pages within a byte budget', () => {
  it('when a page of entities does not fit the budget, then fewer are sent and next_cursor goes on right after the last one: nothing skipped, nothing twice', async () => {
    const tenant = 'pages';
    const unlimited = await startApiOnly();
    for (let i = 0; i < 12; i++) expect((await client(unlimited.baseUrl, tenant).post('/api/v1/crm/contacts', { name: `c${i}`, email: `c${i}@example.com` })).status).toBe(201);
    const express = (await import('express')).default;
    const { sendPage } = await import('../src/entry-points/http/bounded-list.ts');
    const { entityCursorAfter } = await import('@flowline/storage');
    const store = unlimited.stores.entities;
    const all = (await store.list(tenant as never, 'contact', { limit: 50 })).items.map((c: any) => c.name);
    const small = express();
    small.get('/page', async (req, res) => {
      const cursor = typeof req.query['cursor'] === 'string' ? req.query['cursor'] : undefined;
      sendPage(res, await store.list(tenant as never, 'contact', { limit: 10, ...(cursor ? { cursor } : {}) }), entityCursorAfter, 1024 + 700);
    });
    const server = small.listen(0);
    try {
      const port = (server.address() as AddressInfo).port;
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const res = await fetch(`http://127.0.0.1:${port}/page${cursor ? `?cursor=${cursor}` : ''}`);
        const text = await res.text();
        expect(Buffer.byteLength(text)).toBeLessThanOrEqual(1024 + 700);
        const page = JSON.parse(text);
        seen.push(...page.items.map((c: any) => c.name));
        cursor = page.next_cursor;
        pages += 1;
      } while (cursor && pages < 20);
      expect(pages).toBeGreaterThan(2);
      expect(all).toHaveLength(12);
      expect(seen).toEqual(all);
    } finally {
      server.close();
      await unlimited.stop();
    }
  });
});
