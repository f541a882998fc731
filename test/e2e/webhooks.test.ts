import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { defaultApiSecurity } from '@flowline/api';
import { verifyFlowlineSignature, webhookReceiver } from '../../apps/executor/test/webhook-receiver.ts';
import { client, deleteNamespace, eventually, startInProcess, tempDir, uniqueNamespace, type InProcessFlowline } from '../support/harness.ts';

/*
 * call_webhook end to end, in one process on the real broker: api → engine → executor → a real
 * HTTP receiver on 127.0.0.1, allow-listed as WEBHOOK_ALLOWED_HOSTS would allow it.
 */
const amqpUrl = inject('amqpUrl');
const namespace = uniqueNamespace('webhook');
const dir = tempDir();
let flowline: InProcessFlowline;
let receiver: Awaited<ReturnType<typeof webhookReceiver>>;

beforeAll(async () => {
  receiver = await webhookReceiver((request) => {
    if (request.path.startsWith('/slow')) return { status: 200, delayMs: 3000 };
    if (request.path.startsWith('/flaky')) return receiver.received.filter((r) => r.path === request.path).length < 3 ? { status: 503 } : { status: 200, body: 'at last' };
    if (request.path.startsWith('/busy')) return receiver.received.filter((r) => r.path === request.path).length < 2 ? { status: 429, headers: { 'retry-after': '2' } } : { status: 200 };
    if (request.path.startsWith('/reject')) return { status: 400, body: 'unknown deal' };
    return { status: 200, body: '{"ok":true}' };
  });
  flowline = await startInProcess({
    amqpUrl,
    namespace,
    sqlitePath: join(dir.path, 'flowline.db'),
    // Two consumers only: without a per-tenant cap, two slow calls of one tenant would hold both.
    prefetch: 2,
    security: { ...defaultApiSecurity(), webhookAllowHttp: true },
    executor: {
      webhook: {
        policy: { allowedHosts: new Set([`127.0.0.1:${receiver.port}`]), allowHttp: true },
        connectTimeoutMs: 3000,
        responseTimeoutMs: 10_000,
        retryWindowMs: 60_000,
        maxRedirects: 0,
        maxConcurrencyPerTenant: 1,
      },
      schedulerPollMs: 100,
    },
  });
});
afterAll(async () => {
  await flowline?.stop();
  await receiver?.close();
  await deleteNamespace(amqpUrl, namespace);
  dir.remove();
});

async function tenantWithWebhook(tenant: string, url: string, extra: Record<string, unknown> = {}) {
  const api = client(flowline.baseUrl, tenant);
  const created = await api.post('/api/v1/automation/settings/webhook-secret', {});
  expect(created.status).toBe(201);
  const rule = await api.post('/api/v1/automation/rules', {
    name: 'Tell billing',
    module_type: 'sales',
    trigger_id: 'high_value_opportunity',
    conditions: [{ type: 'value_threshold', value: 10000 }],
    actions: [{ type: 'call_webhook', parameters: { url, ...extra } }],
  });
  expect(rule.status).toBe(201);
  return { api, secret: created.body.secret as string, rule: rule.body };
}

const publish = (api: ReturnType<typeof client>, id: string) =>
  api.post('/api/v1/events', { type: 'high_value_opportunity', data: { opportunity_id: id, opportunity_name: 'Big Deal', value: 25000 } });

async function settledAction(api: ReturnType<typeof client>, eventId: string) {
  return eventually(async () => {
    const executions = (await api.get(`/api/v1/automation/executions?event_id=${eventId}`)).body.items;
    const action = executions[0]?.actions[0];
    return action && action.status !== 'pending' && action.status !== 'scheduled' ? action : undefined;
  }, 20_000);
}

describe('call_webhook', () => {
  it('when a rule with call_webhook is saved before the tenant has a signing secret, or with a URL of another scheme, then it is refused', async () => {
    const api = client(flowline.baseUrl, 'hook-no-secret');
    const rule = (url: string) => ({ name: 'x', module_type: 'sales', trigger_id: 'high_value_opportunity', actions: [{ type: 'call_webhook', parameters: { url } }] });
    const noSecret = await api.post('/api/v1/automation/rules', rule('https://billing.example.com/hook'));
    expect(noSecret.status).toBe(400);
    expect(noSecret.body.errors).toEqual([{ path: 'actions.0', message: expect.stringContaining('POST /api/v1/automation/settings/webhook-secret') }]);
    await api.post('/api/v1/automation/settings/webhook-secret', {});
    const ftp = await api.post('/api/v1/automation/rules', rule('ftp://billing.example.com/hook'));
    expect(ftp.body.errors).toEqual([{ path: 'actions.0.parameters.url', message: 'must use https or http, not ftp' }]);
    expect((await api.post('/api/v1/automation/rules', rule('https://billing.example.com/hook'))).status).toBe(201);
  });

  it('when the secret is rotated, then the answer shows the new one once and the old one as a hint until its grace period ends', async () => {
    const api = client(flowline.baseUrl, 'hook-rotate');
    const first = await api.post('/api/v1/automation/settings/webhook-secret', {});
    const second = await api.post('/api/v1/automation/settings/webhook-secret', { grace_period_s: 3600 });
    expect(second.status).toBe(200);
    expect(second.body.secret).not.toBe(first.body.secret);
    expect(second.body.previous).toEqual({ secret_hint: first.body.secret_hint, expires_at: expect.any(String) });
    const shown = await api.get('/api/v1/automation/settings/webhook-secret');
    expect(shown.body).toEqual({ secret_hint: second.body.secret_hint, created_at: second.body.created_at, previous: second.body.previous });
    expect((await client(flowline.baseUrl, 'hook-none').get('/api/v1/automation/settings/webhook-secret')).status).toBe(404);
  });

  it('when a rule calls an allow-listed receiver, then it gets one signed request with the default envelope, and the execution records the answer', async () => {
    const { api, secret, rule } = await tenantWithWebhook('hook-signed', receiver.url('/deal/{{opportunity_id}}'));
    const event = await publish(api, 'o-1');
    const action = await settledAction(api, event.body.id);
    expect(action).toMatchObject({ status: 'succeeded', response: { status: 200, body_excerpt: '{"ok":true}' } });
    expect(action.response.duration_ms).toBeGreaterThanOrEqual(0);
    const requests = receiver.received.filter((r) => r.path === '/deal/o-1');
    expect(requests).toHaveLength(1);
    const [request] = requests;
    expect(request!.headers['idempotency-key']).toBe(action.command_id);
    expect(verifyFlowlineSignature(String(request!.headers['x-flowline-signature']), request!.body, secret)).toBe(true);
    expect(JSON.parse(request!.body)).toMatchObject({
      tenant_id: 'hook-signed',
      event: { id: event.body.id, type: 'high_value_opportunity', data: { opportunity_id: 'o-1', value: 25000 } },
      rule: { id: rule.id, name: 'Tell billing' },
    });

    // The secret is shown once: afterwards only a hint.
    const shown = await api.get('/api/v1/automation/settings/webhook-secret');
    expect(shown.status).toBe(200);
    expect(shown.body.secret).toBeUndefined();
    expect(JSON.stringify(shown.body)).not.toContain(secret);
    expect(secret.startsWith(shown.body.secret_hint.replace('…', ''))).toBe(true);
  });

  it('when the rule aims at the metadata service or a private address, then the execution fails with the reason and nothing is sent', async () => {
    const metadata = await tenantWithWebhook('hook-metadata', 'http://169.254.169.254/latest/meta-data/');
    const privateNet = await tenantWithWebhook('hook-private', 'http://10.20.30.40/hook');
    const [a, b] = await Promise.all([publish(metadata.api, 'o-2'), publish(privateNet.api, 'o-3')]);
    expect(await settledAction(metadata.api, a.body.id)).toMatchObject({ status: 'failed', error: 'webhook target refused: 169.254.169.254 is a cloud metadata address' });
    expect(await settledAction(privateNet.api, b.body.id)).toMatchObject({ status: 'failed', error: 'webhook target refused: 10.20.30.40 is a private address' });
  });

  it('when the receiver answers 503 twice, then the bus retries and the third attempt succeeds', async () => {
    const { api } = await tenantWithWebhook('hook-flaky', receiver.url('/flaky/{{opportunity_id}}'));
    const event = await publish(api, 'o-4');
    expect(await settledAction(api, event.body.id)).toMatchObject({ status: 'succeeded', deliveries: 3, response: { status: 200, body_excerpt: 'at last' } });
    expect(receiver.received.filter((r) => r.path === '/flaky/o-4')).toHaveLength(3);
  });

  it('when the receiver answers 429 with Retry-After: 2, then the next attempt comes no sooner than 2 s later', async () => {
    const { api } = await tenantWithWebhook('hook-busy', receiver.url('/busy/{{opportunity_id}}'));
    const event = await publish(api, 'o-5');
    expect(await settledAction(api, event.body.id)).toMatchObject({ status: 'succeeded' });
    const attempts = receiver.received.filter((r) => r.path === '/busy/o-5');
    expect(attempts).toHaveLength(2);
    for (let i = 1; i < attempts.length; i++) expect(attempts[i]!.at - attempts[i - 1]!.at).toBeGreaterThanOrEqual(2000);
  });

  it('when the receiver answers 400, then the action fails at once without a retry', async () => {
    const { api } = await tenantWithWebhook('hook-reject', receiver.url('/reject/{{opportunity_id}}'));
    const event = await publish(api, 'o-6');
    expect(await settledAction(api, event.body.id)).toMatchObject({ status: 'failed', error: 'webhook answered 400', deliveries: 1, response: { status: 400, body_excerpt: 'unknown deal' } });
    expect(receiver.received.filter((r) => r.path === '/reject/o-6')).toHaveLength(1);
  });

  it("when one tenant's receiver is slow, then another tenant's webhook is delivered before any slow call has finished", async () => {
    const slow = await tenantWithWebhook('hook-slow', receiver.url('/slow/{{opportunity_id}}'));
    const fast = await tenantWithWebhook('hook-fast', receiver.url('/fast/{{opportunity_id}}'));
    const slowEvents = await Promise.all(['s1', 's2', 's3'].map((id) => publish(slow.api, id)));
    await eventually(async () => (receiver.received.some((r) => r.path.startsWith('/slow/')) ? true : undefined));
    const firstSlowAt = receiver.received.find((r) => r.path.startsWith('/slow/'))!.at;
    const fastEvent = await publish(fast.api, 'f1');
    expect(await settledAction(fast.api, fastEvent.body.id)).toMatchObject({ status: 'succeeded' });
    const fastAt = receiver.received.find((r) => r.path === '/fast/f1')!.at;
    // The slow receiver answers 3 s after each request: the fast one came in before the first answer.
    expect(fastAt).toBeLessThan(firstSlowAt + 3000);
    for (const event of slowEvents) expect(await settledAction(slow.api, event.body.id)).toMatchObject({ status: 'succeeded' });
  }, 60_000);
});
