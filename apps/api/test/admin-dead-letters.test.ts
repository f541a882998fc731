import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALL_SCOPES, defaultApiSecurity, mintToken, SCOPES, startApi, type RunningApi } from '@flowline/api';
import { createMessageBus, InMemoryBus } from '@flowline/messaging';
import { silentLogger } from '@flowline/observability';
import { catalogue } from '@flowline/rules';
import { openSqliteStores, type Stores } from '@flowline/storage';
import { uniqueNamespace } from '../../../test/support/harness.ts';
import { jwtMode, TEST_JWT_SECRET } from '../../../test/support/api-only.ts';

/* The operator routes over the in-process bus's dead letters (npm start), under AUTH_MODE=jwt. */
let stores: Stores;
let bus: InMemoryBus;
let api: RunningApi;
let base: string;
const auth = { secret: TEST_JWT_SECRET, tenantClaim: 'tenant_id' };

beforeAll(async () => {
  stores = await openSqliteStores(':memory:');
  bus = (await createMessageBus({ namespace: uniqueNamespace('admin'), logger: silentLogger() })) as InMemoryBus;
  const security = defaultApiSecurity();
  jwtMode(security);
  api = await startApi({ stores, bus, catalogue, logger: silentLogger(), port: 0, host: '127.0.0.1', security, deadLetters: bus.deadLetters() });
  base = `http://127.0.0.1:${api.port}/admin/v1/dead-letters`;
});
afterAll(async () => {
  await api?.stop();
  await bus?.close();
  await stores?.close();
});

const ADMIN = { 'x-flowline-admin': 'test' };
const as = async (scopes: string[]) => ({ ...ADMIN, authorization: `Bearer ${await mintToken(auth, { tenant: 'ops', scopes })}` });

describe('/admin/v1/dead-letters under jwt', () => {
  it('when a request lacks the admin header (a cross-site form cannot send it), then 400 even with the scope, and nothing is purged', async () => {
    const { authorization } = await as([SCOPES.adminDeadLetters]);
    expect((await fetch(`${base}/engine`, { method: 'DELETE', headers: { authorization } })).status).toBe(400);
    expect((await fetch(`${base}/engine/replay`, { method: 'POST', headers: { authorization } })).status).toBe(400);
  });

  it('when the token lacks admin:dead-letters (a tenant token with every tenant scope), then 403; without a token 401', async () => {
    expect((await fetch(`${base}/engine`, { headers: ADMIN })).status).toBe(401);
    const res = await fetch(`${base}/engine`, { headers: await as(ALL_SCOPES) });
    expect(res.status).toBe(403);
    expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect((await fetch(`${base}/engine`, { method: 'DELETE', headers: await as(ALL_SCOPES) })).status).toBe(403);
  });

  it('when the token holds admin:dead-letters, then the queue is listed; an unknown queue is a 404 problem', async () => {
    const headers = await as([SCOPES.adminDeadLetters]);
    const res = await fetch(`${base}/engine`, { headers });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ queue: 'engine', total: 0, dead_letters: [] });
    expect((await fetch(`${base}/nope`, { headers })).status).toBe(404);
    expect((await fetch(`${base}/engine?limit=0`, { headers })).status).toBe(400);
  });
});
