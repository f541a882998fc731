import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALL_SCOPES, mintToken, type AuthOptions } from '@flowline/api';
import { ConfigError, loadConfig } from '@flowline/config';
import { API_OPERATIONS } from '../src/entry-points/http/openapi/api-operations.ts';
import { jwtMode, startApiOnly, TEST_JWT_SECRET, type ApiOnly } from '../../../test/support/api-only.ts';
import { client, HIGH_VALUE_DEAL_ALERT } from '../../../test/support/harness.ts';

const auth: AuthOptions = { mode: 'jwt', secret: TEST_JWT_SECRET, tenantClaim: 'tenant_id', clockToleranceSeconds: 30, maxTokenLifetimeSeconds: 86_400 };
const token = (tenant: string, scopes: string[] = ALL_SCOPES, expiresIn: string | number = '5m') => mintToken(auth, { tenant, scopes, expiresIn });
const now = () => Math.floor(Date.now() / 1000);

/** Every documented route under /api/v1 (openapi.test.ts checks that this is every registered one), with a valid-looking body. */
const ROUTES: Array<[string, string, unknown?]> = API_OPERATIONS.filter((op) => op.path.startsWith('/api/v1/') && !op.public).map((op) => [
  op.method.toUpperCase(),
  op.path.replace(/\{\w+\}/g, '3f1d2c3b-4a5e-4f60-8a7b-9c0d1e2f3a4b') + (op.path.endsWith('/toggle') ? '?is_active=false' : ''),
  op.body === 'CreateRuleRequest' ? HIGH_VALUE_DEAL_ALERT : op.body ? { name: 'x' } : undefined,
]);

let api: ApiOnly;
beforeAll(async () => {
  api = await startApiOnly(jwtMode);
});
afterAll(() => api.stop());

const as = (bearer: string | undefined, tenantHeader?: string) => {
  const c = client(api.baseUrl, tenantHeader);
  const headers: Record<string, string> = bearer === undefined ? {} : { authorization: `Bearer ${bearer}` };
  return (method: string, path: string, body?: unknown) => c.request(method, path, body, headers);
};

describe('AUTH_MODE=jwt', () => {
  it('when the routes are listed, then every part of the api is there', () => {
    expect(ROUTES.length).toBeGreaterThanOrEqual(25);
  });

  it.each(ROUTES)('when %s %s comes without a token (even with X-Tenant-ID), then 401 with WWW-Authenticate', async (method, path, body) => {
    const res = await as(undefined, 'acme-corp')(method, path, body);
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="flowline"');
    expect(res.body).toMatchObject({ status: 401, code: 'unauthorized' });
  });

  it.each([
    ['garbage', 'not-a-jwt'],
    ['a token signed with another secret', 'OTHER'],
    ['an unsigned token (alg none)', 'NONE'],
  ])('when the token is %s, then 401 invalid_token', async (_what, kind) => {
    let bearer = kind;
    if (kind === 'OTHER') bearer = await mintToken({ ...auth, secret: 'another-secret-that-is-long-enough-too!!' }, { tenant: 'acme-corp', scopes: ALL_SCOPES });
    if (kind === 'NONE') {
      const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
      bearer = `${part({ alg: 'none', typ: 'JWT' })}.${part({ tenant_id: 'acme-corp', scope: ALL_SCOPES.join(' '), exp: now() + 60 })}.`;
    }
    const res = await as(bearer)('GET', '/api/v1/automation/rules');
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/error="invalid_(token|request)"/);
  });

  it('when the token expired beyond the clock skew, then 401 says so; within the skew it is still accepted', async () => {
    const expired = await as(await token('acme-corp', ALL_SCOPES, now() - 120))('GET', '/api/v1/automation/rules');
    expect(expired.status).toBe(401);
    expect(expired.body.detail).toBe('the token has expired');
    expect(expired.headers.get('www-authenticate')).toMatch(/error="invalid_token"/);
    expect((await as(await token('acme-corp', ALL_SCOPES, now() - 5))('GET', '/api/v1/automation/rules')).status).toBe(200);
  });

  it('when the token has no tenant claim, then 401', async () => {
    const bearer = await new SignJWT({ scope: ALL_SCOPES.join(' ') })
      .setProtectedHeader({ alg: 'HS256' })
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode(TEST_JWT_SECRET));
    expect((await as(bearer)('GET', '/api/v1/automation/rules')).status).toBe(401);
  });

  it("when X-Tenant-ID names another tenant than the token, then 403; when it names the token's, then it is served", async () => {
    const bearer = await token('acme-corp');
    const mismatch = await as(bearer, 'globex')('GET', '/api/v1/automation/rules');
    expect(mismatch.status).toBe(403);
    expect(mismatch.body.code).toBe('tenant_mismatch');
    expect((await as(bearer, 'globex')('POST', '/api/v1/automation/rules', HIGH_VALUE_DEAL_ALERT)).status).toBe(403);
    expect((await as(bearer, 'acme-corp')('GET', '/api/v1/automation/rules')).status).toBe(200);
  });

  it.each([
    ['a read-only token changes a rule', ['automation:read'], 'POST', '/api/v1/automation/rules', HIGH_VALUE_DEAL_ALERT, 'automation:write'],
    ['a read-only token deletes a rule', ['automation:read'], 'DELETE', '/api/v1/automation/rules/3f1d2c3b-4a5e-4f60-8a7b-9c0d1e2f3a4b', undefined, 'automation:write'],
    ['a write-only token lists rules', ['automation:write'], 'GET', '/api/v1/automation/rules', undefined, 'automation:read'],
    ['a token without events:publish publishes', ['automation:read', 'automation:write'], 'POST', '/api/v1/events', { type: 'lead_created', data: { lead_id: 'l1' } }, 'events:publish'],
    ['a publish-only token reads tasks', ['events:publish'], 'GET', '/api/v1/tasks', undefined, 'automation:read'],
    ['a token without events:publish publishes on an upper-case path', ['automation:read', 'automation:write'], 'POST', '/api/v1/EVENTS', { type: 'lead_created', data: { lead_id: 'l1' } }, 'events:publish'],
    ['a rules-only token writes a CRM contact on a mixed-case path', ['automation:read', 'automation:write'], 'POST', '/api/v1/CRM/Contacts', { name: 'Ann', email: 'ann@example.com' }, 'events:publish'],
    ['a rules-only token writes a CRM contact (which raises triggers)', ['automation:read', 'automation:write'], 'POST', '/api/v1/crm/contacts', { name: 'Ann', email: 'ann@example.com' }, 'events:publish'],
    ['a publish-only token changes the settings', ['events:publish'], 'PUT', '/api/v1/automation/settings', { high_value_threshold: 1 }, 'automation:write'],
    ['a read-only token creates a rule from a template', ['automation:read'], 'POST', '/api/v1/automation/rules/from-template', { template_id: 'high_value_deal_alert', parameters: {} }, 'automation:write'],
  ])('when %s, then 403 names the missing scope', async (_what, scopes, method, path, body, needed) => {
    const res = await as(await token('acme-corp', scopes))(method, path, body);
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ code: 'insufficient_scope', detail: `This request needs the scope '${needed}'.` });
    expect(res.headers.get('www-authenticate')).toContain(`scope="${needed}"`);
  });

  it('when each scope is held, then its requests are served', async () => {
    expect((await as(await token('acme-corp', ['events:publish']))('POST', '/api/v1/events', { type: 'lead_created', data: { lead_id: 'l1' } })).status).toBe(202);
    expect((await as(await token('acme-corp', ['automation:read']))('GET', '/api/v1/automation/triggers')).status).toBe(200);
  });

  it("when a token changes a rule, then its version and the audit name the token's subject", async () => {
    const acme = as(await token('acme-corp'));
    const rule = (await acme('POST', '/api/v1/automation/rules', HIGH_VALUE_DEAL_ALERT)).body;
    expect((await acme('GET', `/api/v1/automation/rules/${rule.id}/versions/1`)).body.actor).toBe('dev:acme-corp');
    expect((await acme('GET', '/api/v1/audit?limit=1')).body.items[0]).toMatchObject({ actor: 'dev:acme-corp', action: 'rule.created', target_id: rule.id });
  });

  it('when a read-only token tests a rule (a dry run), then it is served, since nothing is written', async () => {
    const event = { type: 'high_value_opportunity', data: { opportunity_id: 'o1', opportunity_name: 'Big', value: 25000 } };
    const res = await as(await token('acme-corp', ['automation:read']))('POST', '/api/v1/automation/rules/test', { rule: HIGH_VALUE_DEAL_ALERT, event });
    expect(res.status).toBe(200);
    expect(res.body.matched).toBe(true);
  });

  it('when two tenants hold tokens, then neither sees, changes nor deletes the other’s rules', async () => {
    const acme = as(await token('acme-corp'));
    const globex = as(await token('globex'));
    const created = await acme('POST', '/api/v1/automation/rules', HIGH_VALUE_DEAL_ALERT);
    expect(created.status).toBe(201);
    expect(created.body.tenant_id).toBe('acme-corp');
    const id = created.body.id;
    expect((await globex('GET', '/api/v1/automation/rules')).body).toEqual({ items: [] });
    expect((await globex('GET', `/api/v1/automation/rules/${id}`)).status).toBe(404);
    expect((await globex('PUT', `/api/v1/automation/rules/${id}`, { ...HIGH_VALUE_DEAL_ALERT, name: 'stolen' })).status).toBe(404);
    expect((await globex('PATCH', `/api/v1/automation/rules/${id}`, { name: 'stolen' })).status).toBe(404);
    expect((await globex('PUT', `/api/v1/automation/rules/${id}/toggle?is_active=false`)).status).toBe(404);
    expect((await globex('DELETE', `/api/v1/automation/rules/${id}`)).status).toBe(404);
    const { warnings: _warnings, ...stored } = created.body;
    expect((await acme('GET', `/api/v1/automation/rules/${id}`)).body).toEqual(stored);
  });
});

describe('AUTH_MODE=jwt with issuer, audience and a JWKS (ES256)', () => {
  let jwksServer: Server;
  let secured: ApiOnly;
  let privateKey: Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
  const sign = (claims: Record<string, unknown>, iss = 'https://id.example', aud = 'flowline-api') =>
    new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: 'k1' }).setIssuer(iss).setAudience(aud).setExpirationTime('5m').sign(privateKey);

  beforeAll(async () => {
    const pair = await generateKeyPair('ES256');
    privateKey = pair.privateKey;
    const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
    jwksServer = createServer((_req, res) => res.setHeader('content-type', 'application/json').end(JSON.stringify({ keys: [jwk] })));
    await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
    const jwksUrl = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/.well-known/jwks.json`;
    secured = await startApiOnly((security) => {
      security.auth = { ...security.auth, mode: 'jwt', jwksUrl, issuer: 'https://id.example', audience: 'flowline-api', tenantClaim: 'org' };
    });
  });
  afterAll(async () => {
    await secured.stop();
    jwksServer.close();
  });

  const get = async (bearer: string) =>
    (await client(secured.baseUrl, undefined).request('GET', '/api/v1/automation/rules', undefined, { authorization: `Bearer ${bearer}` })).status;

  it('when the token is signed by the JWKS key with the configured issuer, audience and tenant claim, then it is served', async () => {
    expect(await get(await sign({ org: 'acme-corp', scp: ['automation:read'] }))).toBe(200);
  });
  it('when the issuer or audience differ, or the tenant is in the default claim instead of the configured one, then 401', async () => {
    expect(await get(await sign({ org: 'acme-corp', scope: 'automation:read' }, 'https://evil.example'))).toBe(401);
    expect(await get(await sign({ org: 'acme-corp', scope: 'automation:read' }, undefined, 'other-api'))).toBe(401);
    expect(await get(await sign({ tenant_id: 'acme-corp', scope: 'automation:read' }))).toBe(401);
  });
  it('when an HS256 token comes but only a JWKS is configured, then 401', async () => {
    expect(await get(await mintToken({ ...auth, tenantClaim: 'org', issuer: 'https://id.example', audience: 'flowline-api' }, { tenant: 'acme-corp', scopes: ALL_SCOPES }))).toBe(401);
  });
});

describe('AUTH_MODE=jwt when the JWKS cannot be reached', () => {
  let unreachable: ApiOnly;
  beforeAll(async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    unreachable = await startApiOnly((security) => {
      security.auth = { ...security.auth, mode: 'jwt', jwksUrl: `http://127.0.0.1:${port}/jwks.json` };
    });
  });
  afterAll(() => unreachable.stop());

  it('when a token needs the JWKS and it is down, then 503 with Retry-After (our failure, not a bad token), never 2xx', async () => {
    const { privateKey } = await generateKeyPair('ES256');
    const bearer = await new SignJWT({ tenant_id: 'acme-corp', scope: 'automation:read' }).setProtectedHeader({ alg: 'ES256', kid: 'k1' }).setExpirationTime('5m').sign(privateKey);
    const res = await client(unreachable.baseUrl, undefined).request('GET', '/api/v1/automation/rules', undefined, { authorization: `Bearer ${bearer}` });
    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({ code: 'auth_unavailable' });
    expect(res.headers.get('retry-after')).toBe('5');
    expect((await client(unreachable.baseUrl, undefined).request('GET', '/api/v1/automation/rules', undefined, { authorization: 'Bearer x.y.z' })).status).toBe(401);
  });
});

describe('AUTH_MODE configuration', () => {
  it('when NODE_ENV=production and nothing else is set, then jwt is the mode and start-up fails naming JWT_SECRET and JWT_JWKS_URL', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(ConfigError);
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/AUTH_MODE: jwt .*needs JWT_SECRET .* or JWT_JWKS_URL/);
    expect(loadConfig({ NODE_ENV: 'production', JWT_SECRET: TEST_JWT_SECRET }).AUTH_MODE).toBe('jwt');
  });
  it('when AUTH_MODE=jwt is set in development without a key source, then start-up fails too', () => {
    expect(() => loadConfig({ AUTH_MODE: 'jwt' })).toThrow(/needs JWT_SECRET/);
  });
  it('when nothing is set in development, then the mode is trusted-header', () => {
    expect(loadConfig({}).AUTH_MODE).toBe('trusted-header');
  });
  it('when the secret is short, then it is refused', () => {
    expect(() => loadConfig({ AUTH_MODE: 'jwt', JWT_SECRET: 'short' })).toThrow(/JWT_SECRET: must be at least 32 characters/);
  });
});

describe('token lifetime', () => {
  let api: ApiOnly;
  beforeAll(async () => {
    api = await startApiOnly(jwtMode);
  });
  afterAll(() => api.stop());
  const get = async (bearer: string) =>
    (await client(api.baseUrl, undefined).request('GET', '/api/v1/automation/rules', undefined, { authorization: `Bearer ${bearer}` })).body;
  const signed = (claims: Record<string, unknown>) =>
    new SignJWT({ tenant_id: 'acme-corp', scope: 'automation:read', ...claims }).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(TEST_JWT_SECRET));

  it('when a token would live longer than 24 h (exp of 1e308, or 25 h), then 401 naming the limit; 23 h is served', async () => {
    for (const exp of [1e308, now() + 25 * 3600]) {
      expect(await get(await signed({ iat: now(), exp }))).toMatchObject({ status: 401, detail: expect.stringContaining('longer than the 86400 s allowed') });
    }
    expect(await get(await signed({ exp: now() + 25 * 3600 }))).toMatchObject({ status: 401 });
    expect(await get(await signed({ iat: now(), exp: now() + 23 * 3600 }))).toEqual({ items: [] });
  });

  it('when a token says it was issued in the future beyond the clock skew, then 401; within the skew it is served', async () => {
    expect(await get(await signed({ iat: now() + 3600, exp: now() + 7200 }))).toMatchObject({ status: 401, detail: expect.stringContaining('iat claim is in the future') });
    expect(await get(await signed({ iat: now() + 10, exp: now() + 600 }))).toEqual({ items: [] });
  });
});
