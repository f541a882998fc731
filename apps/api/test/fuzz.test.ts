import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALL_SCOPES, mintToken, type AuthOptions } from '@flowline/api';
import { parseTenantId, type EventRecord } from '@flowline/contracts';
import { jwtMode, startApiOnly, TEST_JWT_SECRET, type ApiOnly } from '../../../test/support/api-only.ts';
import { HIGH_VALUE_DEAL_ALERT } from '../../../test/support/harness.ts';

/*
 * Abuse of every route with generated input. Each generated request is malformed by
 * construction, so every answer must be a 4xx problem document: never a 5xx, never a crash,
 * and never anything of the other tenant's.
 */

const auth: AuthOptions = { mode: 'jwt', secret: TEST_JWT_SECRET, tenantClaim: 'tenant_id', clockToleranceSeconds: 30, maxTokenLifetimeSeconds: 86_400 };
const SEED = Number(process.env.FUZZ_SEED ?? 20_261_124);

let jwtApi: ApiOnly;
let headerApi: ApiOnly;
let acmeToken: string;
let globexEventId: string;
const acmeRuleIds: string[] = [];
const acmeContactIds: string[] = [];
/** Everything of globex's that must never show up in an answer to acme. */
const globexSecrets: string[] = [];
let requests = 0;

const noLimits = (s: Parameters<NonNullable<Parameters<typeof startApiOnly>[0]>>[0]) => {
  s.limits = { ...s.limits, writesPerWindow: 0, eventsPerWindow: 0 };
};

beforeAll(async () => {
  jwtApi = await startApiOnly((s) => {
    jwtMode(s);
    noLimits(s);
  });
  headerApi = await startApiOnly(noLimits);
  acmeToken = await mintToken(auth, { tenant: 'acme-corp', scopes: ALL_SCOPES });
  const globexToken = await mintToken(auth, { tenant: 'globex', scopes: ALL_SCOPES });
  for (const [token, ids, name] of [
    [acmeToken, acmeRuleIds, 'acme rule'],
    [globexToken, globexSecrets, 'globex-secret-rule'],
  ] as const) {
    for (let i = 0; i < 3; i++) {
      const res = await send(jwtApi, 'POST', '/api/v1/automation/rules', { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, JSON.stringify({ ...HIGH_VALUE_DEAL_ALERT, name: `${name} ${i}` }));
      expect(res.status).toBe(201);
      ids.push(JSON.parse(res.text).id);
    }
  }
  globexSecrets.push('globex-secret-rule');
  for (const [token, name] of [
    [acmeToken, 'acme contact'],
    [globexToken, 'globex-secret-contact'],
  ] as const) {
    const res = await send(jwtApi, 'POST', '/api/v1/crm/contacts', { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, JSON.stringify({ name, email: 'c@example.com' }));
    expect(res.status).toBe(201);
    (name === 'acme contact' ? acmeContactIds : globexSecrets).push(JSON.parse(res.text).id);
  }
  globexSecrets.push('globex-secret-contact');
  // Activity rows for both tenants, written as the workers would.
  const { stores } = jwtApi;
  for (const tenantName of ['acme-corp', 'globex']) {
    const tenant = parseTenantId(tenantName);
    const [ruleId, eventId, executionId, notificationId, taskId] = [randomUUID(), randomUUID(), randomUUID(), randomUUID(), randomUUID()];
    if (tenantName === 'globex') globexEventId = eventId;
    if (tenantName === 'globex') globexSecrets.push(eventId, executionId, notificationId, taskId, 'globex-secret-task');
    const now = new Date().toISOString();
    const provenance = { tenant_id: tenant, rule_id: ruleId, event_id: eventId, execution_id: executionId, created_at: now };
    const record: EventRecord = {
      id: eventId, tenant_id: tenant, type: 'lead_created', module_type: 'crm', source: 'crm', time: now, received_at: now, correlation_id: eventId,
      causation_id: null, causation_depth: 0, data: {}, status: 'matched', rules: [{ rule_id: ruleId, rule_name: `${tenantName} rule`, outcome: 'matched' }],
    };
    await stores.events.recordProcessed([{ tenant, record, executions: [{
      id: executionId, tenant_id: tenant, event_id: eventId, rule_id: ruleId, rule_name: `${tenantName} rule`, trigger_id: 'lead_created',
      correlation_id: eventId, outcome: 'matched', matched: true, conditions: [], actions: [], notes: [], created_at: now, updated_at: now,
    }] }]);
    await stores.notifications.insertIfAbsent(tenant, { id: notificationId, ...provenance, recipient: `${tenantName}@example.com`, message: 'hi', email_status: 'not_configured' });
    await stores.tasks.insertIfAbsent(tenant, { id: taskId, ...provenance, title: `${tenantName === 'globex' ? 'globex-secret-task' : 'acme task'}`, status: 'open' });
  }
});
afterAll(async () => {
  await jwtApi?.stop();
  await headerApi?.stop();
});

async function send(api: ApiOnly, method: string, path: string, headers: Record<string, string>, body?: string) {
  requests++;
  const response = await fetch(`${api.baseUrl}${path}`, { method, headers, ...(body === undefined ? {} : { body }) });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

/** The one property every malformed request must have. */
function expectProblem(res: { status: number; headers: Headers; text: string }, what: string, sent = what): void {
  const context = `${what} → ${res.status} ${res.text.slice(0, 300)}`;
  expect(res.status, context).toBeGreaterThanOrEqual(400);
  expect(res.status, context).toBeLessThan(500);
  expect(res.headers.get('content-type'), context).toMatch(/^application\/problem\+json/);
  const body = JSON.parse(res.text);
  expect(body, context).toMatchObject({ status: res.status, type: expect.stringMatching(/^urn:flowline:problem:/), title: expect.any(String), detail: expect.any(String), instance: expect.any(String) });
  expect(res.text, context).not.toMatch(/\bat .+\.(ts|js):\d+|node_modules/);
  // An id the caller sent may be echoed back (`instance`); anything else of globex's may not appear.
  for (const secret of globexSecrets.filter((s) => !sent.includes(s))) expect(res.text, `${context} leaks ${secret}`).not.toContain(secret);
}

// ---------------------------------------------------------------- generators

const pct = (s: string) => [...Buffer.from(s)].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');
const INJECTION_KEYS = ['$where', '$ne', '$gt', '$regex', '$expr', '$function', '$or', '__proto__', 'constructor', 'prototype', 'tenant_id'];
const UNICODE = ['\u0000', '\uD800', '\uDFFF', '\u202E', '\uFEFF', 'ｔｒｕｅ', 'e\u0301', '𝕏𝕏', '\u2028', '🏳️‍🌈', 'İ', '\u00A0'];

const hugeString = fc.integer({ min: 2_001, max: 120_000 }).map((n) => 'x'.repeat(n));
const evilString = fc.oneof(
  fc.constantFrom('$where', 'this.a == 1', "'; return true; '", '{"$ne": null}', '.*', '$regex', 'sleep(1000)', '../../etc/passwd', '<script>alert(1)</script>', ...UNICODE),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
);
const operatorObject = fc.record({ op: fc.constantFrom('$ne', '$gt', '$where', '$regex', '$in', '$exists', '$expr'), value: fc.oneof(fc.constant(null), fc.constant(''), fc.constant('.*'), fc.constant(1), fc.constant([])) }).map(({ op, value }) => ({ [op]: value }));
const deepNest = fc.integer({ min: 33, max: 400 }).map((depth) => {
  let value: unknown = 'x';
  for (let i = 0; i < depth; i++) value = i % 2 ? [value] : { a: value };
  return value;
});
/** Values no string, boolean or number field of the contracts accepts. */
const wrongValue = fc.oneof(operatorObject, deepNest, fc.constant(null), fc.array(fc.oneof(fc.integer(), operatorObject), { minLength: 1, maxLength: 3 }), fc.dictionary(fc.constantFrom(...INJECTION_KEYS), fc.integer(), { minKeys: 1, maxKeys: 2 }));

/** JSON text with one key that `JSON.stringify` of an object literal could not produce (`__proto__`). */
const withRawKey = (json: string, key: string, value: unknown) => `{${JSON.stringify(key)}:${JSON.stringify(value ?? null)},${json.slice(1)}`;

type Body = { text: string; contentType?: string };
const jsonBody = (value: unknown): Body => ({ text: JSON.stringify(value), contentType: 'application/json' });

/** A rule or event body made invalid in one of many ways. */
function brokenBody(base: Record<string, unknown>, fields: string[]): fc.Arbitrary<Body> {
  return fc.oneof(
    fc.tuple(fc.constantFrom(...fields), fc.oneof(wrongValue, fc.integer(), fc.boolean())).filter(([f, v]) => !(f === 'is_active' && typeof v === 'boolean') && !(NUMERIC_FIELDS.includes(f) && typeof v === 'number')).map(([field, value]) => jsonBody(setPath(base, field, value))),
    fc.tuple(fc.constantFrom(...(fields.some((f) => BOUNDED_STRINGS.includes(f)) ? fields.filter((f) => BOUNDED_STRINGS.includes(f)) : fields)), hugeString).map(([field, value]) => jsonBody(setPath(base, field, value))),
    fc.tuple(fc.constantFrom(...INJECTION_KEYS, ...UNICODE), fc.oneof(wrongValue, evilString)).map(([key, value]) => ({ text: withRawKey(JSON.stringify(base), key, value), contentType: 'application/json' })),
    fc.tuple(fc.constantFrom(...Object.keys(base)), fc.constantFrom('__proto__', 'constructor', 'prototype')).map(([field, key]) => ({ text: JSON.stringify(base).replace(`"${field}":`, `"${field}":{"${key}":{"polluted":true}},"_was":`), contentType: 'application/json' })),
    deepNest.map((nested) => jsonBody({ ...base, [fields[0]!]: nested })),
    fc.constantFrom<Body>(
      { text: '{"name": ', contentType: 'application/json' },
      { text: '"just a string"', contentType: 'application/json' },
      { text: 'null', contentType: 'application/json' },
      { text: '[]', contentType: 'application/json' },
      { text: '{}', contentType: 'application/json' },
      { text: '', contentType: 'application/json' },
      { text: JSON.stringify(base), contentType: 'text/plain' },
      { text: 'name=x&$where=1', contentType: 'application/x-www-form-urlencoded' },
      { text: JSON.stringify(base), contentType: 'application/json; charset=utf-16' },
      { text: '--b\r\nContent-Disposition: form-data; name="a"\r\n\r\nx\r\n--b--', contentType: 'multipart/form-data; boundary=b' },
      { text: `{"description":"${'y'.repeat(300 * 1024)}"}`, contentType: 'application/json' },
    ),
  );
}

function setPath(base: Record<string, unknown>, path: string, value: unknown): Record<string, unknown> {
  const copy = structuredClone(base);
  const keys = path.split('.');
  let target: any = copy;
  for (const key of keys.slice(0, -1)) target = target[key];
  target[keys.at(-1)!] = value;
  return copy;
}

/** Fields whose strings have a maximum length well under the huge strings. */
const BOUNDED_STRINGS = ['name', 'source', 'type', 'template_id', 'email', 'owner'];
/** Leaves where a number is a valid value. */
const NUMERIC_FIELDS = ['conditions.0.value', 'data.lead_id', 'high_value_threshold', 'value', 'version'];
const RULE_FIELDS = ['name', 'description', 'module_type', 'trigger_id', 'conditions', 'actions', 'is_active', 'conditions.0.value', 'conditions.0.type', 'actions.0.type', 'actions.0.parameters', 'actions.0.parameters.recipient'];
const EVENT = { type: 'lead_created', data: { lead_id: 'l1' }, source: 'crm' };
const EVENT_FIELDS = ['type', 'data', 'source', 'data.lead_id'];

const TEMPLATE = { template_id: 'high_value_deal_alert', parameters: { recipient: 'boss@example.com' }, name: 'From template' };
const ENTITY_BODIES: Array<[string, Record<string, unknown>]> = [
  ['/api/v1/crm/contacts', { name: 'Ann', email: 'ann@example.com', status: 'new' }],
  ['/api/v1/crm/leads', { name: 'Lead', source: 'web' }],
  ['/api/v1/sales/opportunities', { name: 'Deal', value: 100, owner: 'bob', currency: 'USD' }],
];
const entityId = () => fc.constantFrom(randomUUID(), ...acmeRuleIds);

const badId = fc.oneof(evilString, fc.constantFrom('1', 'null', 'undefined', '{"$ne":null}', '..', '%00')).filter((s) => s.length > 0);
const anyRuleId = () => fc.constantFrom(...acmeRuleIds, ...globexSecrets.slice(0, 3), randomUUID());
const badQueryValue = fc.oneof(evilString, fc.constantFrom('TRUE', '1', 'yes', 'true ', ' true', 'true\u0000', 'hr', 'Sales', '0', '501', '-1', '1e3', '50.5', 'NaN'));
const injectedQueryKey = fc.oneof(
  fc.constantFrom('is_active[$ne]', 'module_type[$regex]', '$where', 'trigger_id[$gt]', 'limit[$gt]', '__proto__[x]', 'constructor[prototype][x]', 'tenant_id', 'rule_id[$ne]'),
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 }),
);

interface Generated {
  method: string;
  path: string;
  body?: Body;
  /** Extra header abuse, or undefined for a valid acme token. */
  headers?: Record<string, string>;
}

const query = (pairs: Array<[string, string]>) => (pairs.length ? `?${pairs.map(([k, v]) => `${pct(k)}=${pct(v)}`).join('&')}` : '');

/** Malformed requests for every route, with acme's valid token unless the header abuse says otherwise. */
const malformed = (): fc.Arbitrary<Generated> =>
  fc.oneof(
    brokenBody(HIGH_VALUE_DEAL_ALERT, RULE_FIELDS).map((body) => ({ method: 'POST', path: '/api/v1/automation/rules', body })),
    fc.tuple(anyRuleId(), brokenBody({ name: 'n', description: 'd', is_active: true }, ['name', 'description', 'is_active'])).map(([id, body]) => ({ method: 'PUT', path: `/api/v1/automation/rules/${id}`, body })),
    // Only fields without a default: in a merge patch, null removes a field, and a removed defaulted field is valid.
    fc.tuple(anyRuleId(), brokenBody({ name: 'n', actions: HIGH_VALUE_DEAL_ALERT.actions }, ['name', 'actions'])).map(([id, body]) => ({ method: 'PATCH', path: `/api/v1/automation/rules/${id}`, body })),
    brokenBody({ rule: HIGH_VALUE_DEAL_ALERT, event: { type: 'high_value_opportunity', data: { opportunity_id: 'o', value: 1 } } }, ['rule', 'event', 'rule.name', 'event.type']).map((body) => ({ method: 'POST', path: '/api/v1/automation/rules/test', body })),
    // '..' would be resolved by the URL itself, landing on the rule.
    fc.tuple(anyRuleId(), badId.filter((v) => !/^[1-9][0-9]*$/.test(v) && v !== '..' && v !== '.')).map(([id, v]) => ({ method: 'GET', path: `/api/v1/automation/rules/${id}/versions/${pct(v)}` })),
    brokenBody(EVENT, EVENT_FIELDS).map((body) => ({ method: 'POST', path: '/api/v1/events', body })),
    brokenBody(TEMPLATE, ['template_id', 'name']).map((body) => ({ method: 'POST', path: '/api/v1/automation/rules/from-template', body })),
    // Every settings field has a default, so an empty object (or body) is a valid PUT there.
    brokenBody({ high_value_threshold: 5000 }, ['high_value_threshold']).filter((b) => b.text !== '' && b.text !== '{}').map((body) => ({ method: 'PUT', path: '/api/v1/automation/settings', body })),
    // grace_period_s has a default too, so an empty body creates a secret.
    brokenBody({ grace_period_s: 60 }, ['grace_period_s']).filter((b) => b.text !== '' && b.text !== '{}').map((body) => ({ method: 'POST', path: '/api/v1/automation/settings/webhook-secret', body })),
    badId.map((id) => ({ method: 'DELETE', path: `/api/v1/scheduled/${pct(id)}` })),
    fc.constantFrom(...ENTITY_BODIES).chain(([path, base]) => brokenBody(base, Object.keys(base)).map((body) => ({ method: 'POST', path, body }))),
    fc.tuple(fc.constantFrom(...ENTITY_BODIES), entityId()).chain(([[path, base], id]) =>
      brokenBody({ version: 1, ...base }, ['version', ...Object.keys(base)]).map((body) => ({ method: 'PATCH', path: `${path}/${id}`, body })),
    ),
    fc.tuple(fc.constantFrom('GET', 'PATCH'), fc.constantFrom(...ENTITY_BODIES.map(([path]) => path)), badId).map(([method, path, id]) => ({ method, path: `${path}/${pct(id)}`, ...(method === 'PATCH' ? { body: jsonBody({ version: 1, name: 'x' }) } : {}) })),
    fc.tuple(fc.constantFrom('GET', 'DELETE', 'PUT'), badId).map(([method, id]) => ({ method, path: `/api/v1/automation/rules/${pct(id)}`, ...(method === 'PUT' ? { body: jsonBody({ name: 'x' }) } : {}) })),
    fc.tuple(fc.constantFrom('GET', 'DELETE', 'PUT'), fc.constantFrom('%E0%A4%A', '%', '%zz', '%C0%AF', '%FF')).map(([method, raw]) => ({ method, path: `/api/v1/automation/rules/${raw}` })),
    fc.tuple(anyRuleId(), badQueryValue.filter((v) => v !== 'true' && v !== 'false')).map(([id, v]) => ({ method: 'PUT', path: `/api/v1/automation/rules/${id}/toggle${query([['is_active', v]])}` })),
    fc.tuple(anyRuleId(), injectedQueryKey).map(([id, key]) => ({ method: 'PUT', path: `/api/v1/automation/rules/${id}/toggle${query([['is_active', 'true'], [key, 'x']])}` })),
    fc.tuple(
      fc.constantFrom('/api/v1/automation/rules', '/api/v1/automation/triggers', '/api/v1/automation/executions', '/api/v1/notifications', '/api/v1/tasks', '/api/v1/automation/templates', '/api/v1/automation/settings', '/api/v1/automation/settings/webhook-secret', '/api/v1/scheduled', '/api/v1/audit', ...ENTITY_BODIES.map(([path]) => path)),
      fc.oneof(
        injectedQueryKey.map((k): Array<[string, string]> => [[k, '1']]),
        fc.tuple(fc.constantFrom('module_type', 'trigger_id', 'is_active', 'limit', 'rule_id', 'event_id', 'cursor'), badQueryValue).map(([k, v]): Array<[string, string]> => [[k, v]]),
      ),
    )
      .filter(([path, pairs]) => !isValidQuery(path, pairs))
      .map(([path, pairs]) => ({ method: 'GET', path: `${path}${query(pairs)}` })),
    fc.tuple(fc.constantFrom('PATCH', 'POST', 'PUT', 'DELETE', 'GET'), fc.constantFrom('/api/v1', '/api/v1/', '/api/v1/crm', '/api/v1/sales/contacts', '/api/v1/crm/contacts/x/y', '/api/v1/automation', '/api/v1/rules', '/api/v1/automation/rules/x/y/z', '/api/v1/events/1', '/api/v2/automation/rules', '/api/v1/tasks/', '/api/v1/automation/triggers/1'))
      .filter(([method, path]) => !(method === 'GET' && path === '/api/v1/tasks/'))
      .map(([method, path]) => ({ method, path })),
  );

function isValidQuery(path: string, pairs: Array<[string, string]>): boolean {
  const [[key, value]] = pairs as [[string, string]];
  const allowed: Record<string, string[]> = {
    '/api/v1/automation/rules': ['module_type', 'trigger_id', 'is_active', 'limit', 'cursor'],
    '/api/v1/automation/triggers': ['module_type'],
    '/api/v1/automation/executions': ['rule_id', 'event_id', 'limit'],
    '/api/v1/notifications': ['limit', 'cursor'],
    '/api/v1/tasks': ['limit', 'cursor'],
    '/api/v1/automation/templates': ['module_type'],
    '/api/v1/automation/settings': [],
    '/api/v1/automation/settings/webhook-secret': [],
    '/api/v1/scheduled': ['limit', 'cursor'],
    '/api/v1/audit': ['limit', 'cursor'],
    ...Object.fromEntries(ENTITY_BODIES.map(([path]) => [path, ['limit', 'cursor']])),
  };
  if (!allowed[path]!.includes(key)) return false;
  if (key === 'module_type') return value === 'crm' || value === 'sales';
  if (key === 'is_active') return value === 'true' || value === 'false';
  if (key === 'trigger_id') return /^[a-z][a-z0-9_]{0,63}$/.test(value);
  if (key === 'limit') return /^\s*\d+(\.0*)?\s*$/.test(value) && Number(value) >= 1 && Number(value) <= 500;
  if (key === 'rule_id' || key === 'event_id') return /^[0-9a-f-]{36}$/i.test(value);
  if (key === 'cursor') return /^[A-Za-z0-9_-]{1,400}$/.test(value);
  return false;
}

/** Credentials that must never get through, whatever the request. */
const badCredentials = (): fc.Arbitrary<Record<string, string>> =>
  fc.oneof(
    fc.constant({}),
    fc.constant({ 'x-tenant-id': 'acme-corp' }),
    fc.constantFrom('Bearer', 'Bearer ', 'Basic YWNtZTpwdw==', 'bearer x.y.z', 'Bearer eyJhbGciOiJub25lIn0.eyJ0ZW5hbnRfaWQiOiJhY21lLWNvcnAifQ.', 'Token abc', 'Bearer $where').map((authorization) => ({ authorization })),
    fc.string({ unit: fc.constantFrom(...'abcXYZ019._-~+/= $'), maxLength: 200 }).map((t) => ({ authorization: `Bearer ${t}` })),
    fc.constantFrom('expired', 'other-tenant-header', 'bad-tenant-claim', 'wrong-secret', 'no-scope').map((kind) => ({ kind })),
  );

async function credentialHeaders(spec: Record<string, string>): Promise<Record<string, string>> {
  switch (spec.kind) {
    case undefined:
      return spec;
    case 'expired':
      return { authorization: `Bearer ${await mintToken(auth, { tenant: 'acme-corp', scopes: ALL_SCOPES, expiresIn: Math.floor(Date.now() / 1000) - 3600 })}` };
    case 'other-tenant-header':
      return { authorization: `Bearer ${acmeToken}`, 'x-tenant-id': 'globex' };
    case 'bad-tenant-claim':
      return { authorization: `Bearer ${await mintToken(auth, { tenant: '$where', scopes: ALL_SCOPES })}` };
    case 'wrong-secret':
      return { authorization: `Bearer ${await mintToken({ ...auth, secret: 'x'.repeat(40) }, { tenant: 'acme-corp', scopes: ALL_SCOPES })}` };
    default:
      return { authorization: `Bearer ${await mintToken(auth, { tenant: 'acme-corp', scopes: [] })}` };
  }
}

/** Outside /api/v1 a route that does not exist is a 404 before any credential is looked at. */
const underV1 = (requests: fc.Arbitrary<Generated>) => requests.filter((r) => r.path.startsWith('/api/v1/') || r.path === '/api/v1');

const VALID_REQUESTS: Generated[] = [
  { method: 'GET', path: '/api/v1/automation/rules' },
  { method: 'POST', path: '/api/v1/automation/rules', body: jsonBody(HIGH_VALUE_DEAL_ALERT) },
  { method: 'GET', path: '/api/v1/automation/executions' },
  { method: 'GET', path: '/api/v1/tasks' },
  { method: 'POST', path: '/api/v1/events', body: jsonBody(EVENT) },
  { method: 'DELETE', path: '/api/v1/automation/rules/3f1d2c3b-4a5e-4f60-8a7b-9c0d1e2f3a4b' },
  { method: 'POST', path: '/api/v1/automation/rules/from-template', body: jsonBody(TEMPLATE) },
  { method: 'PUT', path: '/api/v1/automation/settings', body: jsonBody({ high_value_threshold: 1 }) },
  { method: 'GET', path: '/api/v1/automation/settings' },
  { method: 'GET', path: '/api/v1/scheduled' },
  { method: 'GET', path: '/api/v1/automation/settings/webhook-secret' },
  ...ENTITY_BODIES.flatMap(([path, base]): Generated[] => [
    { method: 'POST', path, body: jsonBody(base) },
    { method: 'GET', path },
  ]),
];

const requestHeaders = (body: Body | undefined, extra: Record<string, string>) => ({ ...(body?.contentType ? { 'content-type': body.contentType } : {}), ...extra });
const params = { seed: SEED, endOnFailure: true } as const;

describe('fuzzed abuse of every route', () => {
  it('when 1,500 malformed requests come with a valid token, then each gets a 4xx problem document and nothing of the other tenant', async () => {
    await fc.assert(
      fc.asyncProperty(malformed(), async (r) => {
        const res = await send(jwtApi, r.method, r.path, requestHeaders(r.body, { authorization: `Bearer ${acmeToken}` }), r.body?.text);
        expectProblem(res, `${r.method} ${r.path} ${r.body?.text.slice(0, 200) ?? ''}`, `${r.path} ${r.body?.text ?? ''}`);
      }),
      { ...params, numRuns: 1500 },
    );
  });

  it('when 400 requests, valid or not, come with missing, malformed, expired, unscoped or mismatched credentials, then 401 or 403 (or 400/404 for an unscoped token on a path no route answers) and nothing is done', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(underV1(malformed()), fc.constantFrom(...VALID_REQUESTS)), badCredentials(), async (r, spec) => {
        const res = await send(jwtApi, r.method, r.path, requestHeaders(r.body, await credentialHeaders(spec)), r.body?.text);
        expectProblem(res, `${JSON.stringify(spec)} ${r.method} ${r.path}`, `${r.path} ${r.body?.text ?? ''}`);
        // A valid token without the scope is checked on the route that matched: a path no route
        // answers (unknown, or broken %-encoding) is a 404 or 400 before any scope is asked for.
        expect(spec.kind === 'no-scope' ? [400, 403, 404] : [401, 403]).toContain(res.status);
      }),
      { ...params, numRuns: 400 },
    );
    expect((await send(jwtApi, 'GET', '/api/v1/automation/rules', { authorization: `Bearer ${acmeToken}` })).text).not.toContain('acme rule 3');
  });

  it('when 200 requests in trusted-header mode name no tenant or an invalid one, then 400 for each', async () => {
    const invalidTenant = fc.oneof(fc.string({ unit: 'binary-ascii', maxLength: 80 }), fc.constantFrom('$where', '{"$ne":null}', '../globex', 'a'.repeat(65), '-acme', 'acme corp', '*')).filter((t) => !/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(t.trim()) && !/[\x00-\x1f\x7f]/.test(t));
    await fc.assert(
      fc.asyncProperty(fc.oneof(underV1(malformed()), fc.constantFrom(...VALID_REQUESTS)), fc.option(invalidTenant, { nil: undefined }), async (r, tenant) => {
        const headers = requestHeaders(r.body, tenant === undefined ? {} : { 'x-tenant-id': tenant });
        const res = await send(headerApi, r.method, r.path, headers, r.body?.text);
        expectProblem(res, `tenant=${JSON.stringify(tenant)} ${r.method} ${r.path}`, `${r.path} ${r.body?.text ?? ''}`);
        expect(res.status).toBe(400);
      }),
      { ...params, numRuns: 200 },
    );
  });

  it('when acme reads with 300 generated filters and ids, including globex’s ids, then nothing of globex comes back', async () => {
    const read = fc.oneof(
      anyRuleId().map((id) => `/api/v1/automation/rules/${id}`),
      fc.constantFrom(...acmeContactIds, ...globexSecrets.filter((s) => /^[0-9a-f-]{36}$/.test(s))).map((id) => `/api/v1/crm/contacts/${id}`),
      fc.tuple(fc.constantFrom('/api/v1/crm/contacts', '/api/v1/crm/leads', '/api/v1/sales/opportunities'), fc.integer({ min: 1, max: 500 })).map(([p, limit]) => `${p}?limit=${limit}`),
      fc.constant(0).map(() => `/api/v1/automation/executions?event_id=${globexEventId}`),
      fc.tuple(fc.constantFrom('crm', 'sales'), fc.constantFrom('true', 'false')).map(([m, a]) => `/api/v1/automation/rules?module_type=${m}&is_active=${a}`),
      fc.tuple(fc.constantFrom('/api/v1/notifications', '/api/v1/tasks', '/api/v1/automation/executions'), fc.integer({ min: 1, max: 500 })).map(([p, limit]) => `${p}?limit=${limit}`),
    );
    await fc.assert(
      fc.asyncProperty(read, fc.constantFrom<Record<string, string>>({}, { 'x-tenant-id': 'acme-corp' }), async (path, extra) => {
        const res = await send(jwtApi, 'GET', path, { authorization: `Bearer ${acmeToken}`, ...extra });
        expect([200, 404], `${path} → ${res.status}`).toContain(res.status);
        for (const secret of globexSecrets.filter((s) => !path.includes(s))) expect(res.text, `${path} leaks ${secret}`).not.toContain(secret);
        const body = res.status === 200 ? JSON.parse(res.text) : undefined;
        for (const item of Array.isArray(body) ? body : (body?.items ?? [body].filter(Boolean))) expect(item.tenant_id).toBe('acme-corp');
      }),
      { ...params, numRuns: 300 },
    );
  });

  it('when the whole run is counted, then at least 2,000 generated requests were sent', () => {
    expect(requests).toBeGreaterThanOrEqual(2_000);
  });
});
