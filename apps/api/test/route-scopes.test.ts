import { request as httpRequest } from 'node:http';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALL_SCOPES, createApp, defaultApiSecurity, mintToken, type Scope } from '@flowline/api';
import { ActionCommandSchema, executionId, parseTenantId } from '@flowline/contracts';
import type { MessageBus } from '@flowline/messaging';
import { silentLogger } from '@flowline/observability';
import { catalogue } from '@flowline/rules';
import type { Stores } from '@flowline/storage';
import { API_OPERATIONS, documentedScope } from '../src/entry-points/http/openapi/api-operations.ts';
import { REQUIRED_SCOPE } from '../src/entry-points/http/security/scopes.ts';
import { jwtMode, startApiOnly, TEST_JWT_SECRET, type ApiOnly } from '../../../test/support/api-only.ts';
import { HIGH_VALUE_DEAL_ALERT } from '../../../test/support/harness.ts';
import { registeredRoutes, type RegisteredRoute } from './support/registered-routes.ts';

/*
 * The scope a request needs is the scope of the route that answers it. Every registered route
 * is tried under many spellings of its path with a token that has every scope but that route's
 * own: none may answer 2xx. The same requests, spelled plainly and with the scope, do.
 */
const TENANT = 'acme-corp';
const auth = { secret: TEST_JWT_SECRET, tenantClaim: 'tenant_id' };
const tokenWith = (scopes: readonly string[]) => mintToken(auth, { tenant: TENANT, scopes: [...scopes], expiresIn: '10m' });

let api: ApiOnly;
let routes: RegisteredRoute[];
const ids: Record<string, string> = {};

beforeAll(async () => {
  api = await startApiOnly(jwtMode);
  const security = defaultApiSecurity();
  jwtMode(security);
  const app = createApp({ stores: {} as Stores, bus: {} as MessageBus, catalogue, logger: silentLogger(), security });
  routes = registeredRoutes(app).filter((route) => route.path.startsWith('/api/v1/') && documentedScopeOf(route) !== undefined);

  const full = await tokenWith(ALL_SCOPES);
  ids['rule_id'] = (await send('POST', '/api/v1/automation/rules', full, HIGH_VALUE_DEAL_ALERT)).body.id;
  ids['doomed_rule_id'] = (await send('POST', '/api/v1/automation/rules', full, HIGH_VALUE_DEAL_ALERT)).body.id;
  for (const [path, body] of Object.entries(ENTITY_BODIES)) ids[path] = (await send('POST', path, full, body)).body.id;
  expect((await send('POST', '/api/v1/automation/settings/webhook-secret', full, {})).status).toBe(201);
  ids['command_id'] = await aPendingScheduledAction();
  ids['event_id'] = await aLoggedEvent();
});

/** An event in the tenant's event log, so that reading it can succeed. */
async function aLoggedEvent(): Promise<string> {
  const tenant = parseTenantId(TENANT);
  const now = new Date().toISOString();
  const id = randomUUID();
  const record = {
    id, tenant_id: tenant, type: 'high_value_opportunity', module_type: 'sales', source: 'test', time: now, received_at: now,
    correlation_id: id, causation_id: null, causation_depth: 0, data: {}, status: 'no_rules', rules: [],
  } as const;
  await api.stores.events.recordProcessed([{ tenant, record: { ...record, rules: [] }, executions: [] }]);
  return id;
}

/** A scheduled action waiting in the store, so that cancelling it can succeed. */
async function aPendingScheduledAction(): Promise<string> {
  const tenant = parseTenantId(TENANT);
  const now = new Date().toISOString();
  const [ruleId, eventId, commandId] = [randomUUID(), randomUUID(), randomUUID()];
  const execution = executionId(eventId, ruleId);
  await api.stores.schedule.scheduleIfAbsent(tenant, [
    {
      id: commandId, tenant_id: tenant, rule_id: ruleId, execution_id: execution, action_index: 0, type: 'create_task',
      run_at: new Date(Date.now() + 3_600_000).toISOString(), state: 'pending', run_if_rule_inactive: true, event_time: now, created_at: now, updated_at: now,
      command: ActionCommandSchema.parse({
        id: commandId, tenant_id: tenant, rule_id: ruleId, event_id: eventId, execution_id: execution, action_index: 0, correlation_id: 'c',
        causation_depth: 0, issued_at: now, type: 'create_task', parameters: { title: 'later' },
      }),
    },
  ]);
  return commandId;
}
afterAll(() => api?.stop());

const ENTITY_BODIES: Record<string, Record<string, unknown>> = {
  '/api/v1/crm/contacts': { name: 'Ann', email: 'ann@example.com' },
  '/api/v1/crm/leads': { name: 'Lead', source: 'web' },
  '/api/v1/sales/opportunities': { name: 'Deal', value: 100, owner: 'bob' },
};

/** A request to `route` that succeeds when the caller holds the scope: real ids, a valid body. */
function validRequest(route: RegisteredRoute): { path: string; body?: unknown } {
  const entityBase = Object.keys(ENTITY_BODIES).find((base) => route.path.startsWith(base));
  const ruleId = route.method === 'delete' ? ids['doomed_rule_id']! : ids['rule_id']!;
  const path = route.path.replace('{rule_id}', ruleId).replace('{id}', entityBase ? ids[entityBase]! : '').replace('{command_id}', ids['command_id']!).replace('{event_id}', ids['event_id']!);
  switch (`${route.method} ${route.path}`) {
    case 'post /api/v1/automation/rules':
      return { path, body: HIGH_VALUE_DEAL_ALERT };
    case 'put /api/v1/automation/rules/{rule_id}':
      return { path, body: { ...HIGH_VALUE_DEAL_ALERT, module_type: undefined, trigger_id: undefined, name: 'renamed' } };
    case 'patch /api/v1/automation/rules/{rule_id}':
      return { path, body: { name: 'patched' } };
    case 'post /api/v1/automation/rules/test':
      return { path, body: { rule: HIGH_VALUE_DEAL_ALERT, event: { type: 'high_value_opportunity', data: { opportunity_id: 'o1', value: 50_000 } } } };
    case 'get /api/v1/automation/rules/{rule_id}/versions/{version}':
      return { path: path.replace('{version}', '1') };
    case 'put /api/v1/automation/rules/{rule_id}/toggle':
      return { path: `${path}?is_active=false` };
    case 'post /api/v1/automation/rules/from-template':
      return { path, body: { template_id: 'high_value_deal_alert', parameters: { recipient: 'boss@example.com' } } };
    case 'put /api/v1/automation/settings':
      return { path, body: { high_value_threshold: 5000 } };
    case 'post /api/v1/automation/settings/webhook-secret':
      return { path, body: { grace_period_s: 0 } };
    case 'post /api/v1/events':
      return { path, body: { type: 'high_value_opportunity', data: { opportunity_id: 'o1', value: 50_000 } } };
  }
  if (entityBase && route.method === 'post') return { path, body: ENTITY_BODIES[entityBase] };
  if (entityBase && route.method === 'patch') return { path, body: { version: 1, name: 'changed' } };
  return { path };
}

/** Ways of writing the same path that express may route to the same handler. */
function spellings(path: string): string[] {
  const [pathname, query] = path.split('?') as [string, string | undefined];
  const segments = pathname.split('/').slice(1);
  const join = (parts: string[], separator = '/') => `/${parts.join(separator)}`;
  const capitalised = segments.map((s) => (/^[a-z]/.test(s) ? s[0]!.toUpperCase() + s.slice(1) : s));
  const variants = [
    pathname,
    pathname.toUpperCase(),
    join(capitalised),
    `${pathname}/`,
    `${pathname}//`,
    join(segments, '//'),
    `/${pathname}`,
    join([...segments.slice(0, 2), '.', ...segments.slice(2)]),
    join([...segments.slice(0, 2), 'x', '..', ...segments.slice(2)]),
    `${pathname}/.`,
    join(segments.map((s) => `${s};p=1`)),
    `${pathname};`,
    join([...segments.slice(0, -1)]) + `%2F${segments.at(-1)}`,
    join([...segments.slice(0, -1)]) + `%2f${segments.at(-1)}`,
    join(segments.map((s, i) => (i === 2 && s.length > 0 ? `%${s.charCodeAt(0).toString(16)}${s.slice(1)}` : s))),
    join(segments.map((s, i) => (i === segments.length - 1 ? encodeURIComponent(s).replace(/[a-z]/, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`) : s))),
    pathname.replaceAll('/', '\\'),
    `${pathname}%20`,
    `${pathname}%00`,
  ];
  return [...new Set(variants)].map((variant) => (query ? `${variant}?${query}` : variant));
}

describe('scopes on the route', () => {
  it('when the routes are listed, then every /api/v1 route starts with its own scope guard, the one its OpenAPI operation documents', () => {
    expect(routes.length).toBeGreaterThanOrEqual(25);
    for (const route of routes) {
      const guard = route.handlers[0] as { [REQUIRED_SCOPE]?: Scope } | undefined;
      expect(guard?.[REQUIRED_SCOPE], `${route.method} ${route.path}`).toBe(documentedScopeOf(route));
    }
  });

  it('when every route is called under many spellings with a token lacking only its scope, then none answers 2xx', async () => {
    const attempts: string[] = [];
    const successes: string[] = [];
    for (const route of routes) {
      const needed = documentedScopeOf(route)!;
      const token = await tokenWith(ALL_SCOPES.filter((scope) => scope !== needed));
      const { path, body } = validRequest(route);
      for (const spelled of spellings(path)) {
        const res = await send(route.method.toUpperCase(), spelled, token, body);
        attempts.push(`${route.method} ${spelled}`);
        if (res.status < 300) successes.push(`${route.method.toUpperCase()} ${spelled} → ${res.status}`);
      }
    }
    console.log(`[scopes] ${routes.length} routes × their spellings = ${attempts.length} requests without the route's scope, ${successes.length} answered 2xx`);
    expect(successes).toEqual([]);
    expect(attempts.length).toBeGreaterThan(routes.length * 15);
  });

  it('when the same requests are spelled plainly and the token holds the scope, then each answers 2xx (the attempts above were real)', async () => {
    const full = await tokenWith(ALL_SCOPES);
    const ordered = [...routes].sort((a, b) => Number(a.method === 'delete') - Number(b.method === 'delete'));
    for (const route of ordered) {
      const { path, body } = validRequest(route);
      const res = await send(route.method.toUpperCase(), path, full, body);
      expect(res.status, `${route.method} ${path}: ${JSON.stringify(res.body)}`).toBeLessThan(300);
    }
  });
});

function documentedScopeOf(route: RegisteredRoute): Scope | undefined {
  const op = API_OPERATIONS.find((o) => o.method === route.method && o.path === route.path);
  return op ? documentedScope(op) : undefined;
}

/** Raw HTTP, so that the path reaches the server exactly as spelled (fetch would normalise it). */
function send(method: string, path: string, token: string, body?: unknown): Promise<{ status: number; body: any }> {
  const url = new URL(api.baseUrl);
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        method,
        path,
        headers: {
          authorization: `Bearer ${token}`,
          'x-correlation-id': randomUUID(),
          ...(payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }),
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => (text += chunk));
        res.on('end', () => {
          let json: unknown = text;
          try {
            json = text ? JSON.parse(text) : undefined;
          } catch {
            // not JSON: keep the text
          }
          resolve({ status: res.statusCode ?? 0, body: json });
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}
