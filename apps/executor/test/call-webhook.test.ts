import { newWebhookSecret, parseTenantId, type WebhookSecrets } from '@flowline/contracts';
import { silentLogger } from '@flowline/observability';
import { openSqliteStores, type Stores } from '@flowline/storage';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ActionContext } from '../src/domain/actions/action-context.ts';
import { DeferError } from '../src/domain/actions/defer.ts';
import { callWebhook, retryAfterMs, type WebhookOptions } from '../src/domain/webhook/call-webhook.ts';
import { refusalOf } from '../src/domain/webhook/target-guard.ts';
import { TenantLimiter } from '../src/domain/webhook/tenant-limiter.ts';
import { commandOf } from './commands.ts';
import { verifyFlowlineSignature, webhookReceiver } from './webhook-receiver.ts';

const tenant = parseTenantId('acme-corp');
let stores: Stores;
let receiver: Awaited<ReturnType<typeof webhookReceiver>>;
let secret: string;

function options(allowed: string[] = [`127.0.0.1:${receiver.port}`], overrides: Partial<WebhookOptions> = {}): WebhookOptions {
  return {
    policy: { allowedHosts: new Set(allowed), allowHttp: true },
    connectTimeoutMs: 1000,
    responseTimeoutMs: 1000,
    retryWindowMs: 60_000,
    maxRedirects: 0,
    limiter: new TenantLimiter(2),
    ...overrides,
  };
}

function context(webhook: WebhookOptions, count = 1): ActionContext {
  return { stores, logger: silentLogger(), webhook, delivery: { count, maxAttempts: 5 } };
}

beforeEach(async () => {
  stores = await openSqliteStores(':memory:');
  receiver = await webhookReceiver();
  secret = newWebhookSecret();
  await stores.webhooks.putSecrets(tenant, { tenant_id: tenant, current: { secret, created_at: new Date().toISOString() } });
});
afterEach(async () => {
  await receiver.close();
  await stores.close();
});

describe('call_webhook', () => {
  it('when the receiver answers 200, then one signed request carries the command id as Idempotency-Key, and a redelivery sends nothing', async () => {
    receiver.setReply(() => ({ status: 200, body: '{"received":true}' }));
    const command = commandOf(tenant, 'call_webhook', { url: receiver.url('/hook'), body: { deal: 'Big', value: 25000 } });
    const result = await callWebhook(command, context(options()));
    expect(result).toMatchObject({ status: 'succeeded', response: { status: 200, body_excerpt: '{"received":true}' } });
    expect(receiver.received).toHaveLength(1);
    const [request] = receiver.received;
    expect(request!.method).toBe('POST');
    expect(request!.headers['idempotency-key']).toBe(command.id);
    expect(request!.headers['content-type']).toBe('application/json');
    expect(JSON.parse(request!.body)).toEqual({ deal: 'Big', value: 25000 });
    expect(verifyFlowlineSignature(String(request!.headers['x-flowline-signature']), request!.body, secret)).toBe(true);
    expect(verifyFlowlineSignature(String(request!.headers['x-flowline-signature']), `${request!.body} `, secret)).toBe(false);
    expect(verifyFlowlineSignature(String(request!.headers['x-flowline-signature']), request!.body, newWebhookSecret())).toBe(false);

    const again = await callWebhook(command, context(options(), 2));
    expect(again).toMatchObject({ status: 'succeeded', response: { status: 200 } });
    expect(receiver.received).toHaveLength(1);
  });

  it('when the secret was rotated, then requests verify with the new secret and, during the grace period, with the previous one', async () => {
    const next = newWebhookSecret();
    const rotated: WebhookSecrets = { tenant_id: tenant, current: { secret: next, created_at: new Date().toISOString() }, previous: { secret, expires_at: new Date(Date.now() + 60_000).toISOString() } };
    await stores.webhooks.putSecrets(tenant, rotated);
    await callWebhook(commandOf(tenant, 'call_webhook', { url: receiver.url('/hook') }), context(options()));
    const [request] = receiver.received;
    const header = String(request!.headers['x-flowline-signature']);
    expect(verifyFlowlineSignature(header, request!.body, next)).toBe(true);
    expect(verifyFlowlineSignature(header, request!.body, secret)).toBe(true);

    await stores.webhooks.putSecrets(tenant, { ...rotated, previous: { secret, expires_at: new Date(Date.now() - 1).toISOString() } });
    await callWebhook(commandOf(tenant, 'call_webhook', { url: receiver.url('/hook') }), context(options()));
    expect(verifyFlowlineSignature(String(receiver.received[1]!.headers['x-flowline-signature']), receiver.received[1]!.body, secret)).toBe(false);
  });

  it('when the receiver answers 400, then the action fails at once with the status, and a redelivery sends nothing', async () => {
    receiver.setReply(() => ({ status: 400, body: 'bad field' }));
    const command = commandOf(tenant, 'call_webhook', { url: receiver.url('/hook') });
    await expect(callWebhook(command, context(options()))).resolves.toMatchObject({ status: 'failed', error: 'webhook answered 400', response: { status: 400, body_excerpt: 'bad field' } });
    await expect(callWebhook(command, context(options(), 2))).resolves.toMatchObject({ status: 'failed' });
    expect(receiver.received).toHaveLength(1);
  });

  it('when the receiver answers 503, then the bus retries it, then the schedule once the bus has no attempts left, until the window ends', async () => {
    receiver.setReply(() => ({ status: 503 }));
    const command = commandOf(tenant, 'call_webhook', { url: receiver.url('/hook') });
    await expect(callWebhook(command, context(options()))).rejects.toThrow(/webhook answered 503; will retry/);
    const lastOnBus = await callWebhook(command, { ...context(options()), delivery: { count: 5, maxAttempts: 5 } }).catch((e: unknown) => e);
    expect(lastOnBus).toBeInstanceOf(DeferError);
    // Two attempts so far: the next waits 2^2 s.
    expect((lastOnBus as DeferError).runAt.getTime()).toBeGreaterThan(Date.now() + 3000);
    const pastWindow = await callWebhook(command, context(options(undefined, { retryWindowMs: 1 })));
    expect(pastWindow).toMatchObject({ status: 'failed', error: 'webhook answered 503 (gave up after 3 attempts)', response: { status: 503 } });
    expect(receiver.received).toHaveLength(3);
  });

  it('when the receiver answers 429 with Retry-After, then the command is put off until then', async () => {
    receiver.setReply(() => ({ status: 429, headers: { 'retry-after': '7' } }));
    const before = Date.now();
    const error = await callWebhook(commandOf(tenant, 'call_webhook', { url: receiver.url('/hook') }), context(options())).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeferError);
    expect((error as DeferError).runAt.getTime()).toBeGreaterThanOrEqual(before + 7000);
    expect((error as DeferError).runAt.getTime()).toBeLessThan(Date.now() + 7000 + 1000);
  });

  it('when the receiver answers a redirect, then it is not followed unless configured', async () => {
    receiver.setReply((r) => (r.path === '/old' ? { status: 308, headers: { location: '/new' } } : { status: 200 }));
    await expect(callWebhook(commandOf(tenant, 'call_webhook', { url: receiver.url('/old') }), context(options()))).resolves.toMatchObject({ status: 'failed', error: 'webhook answered 308 (redirect not followed)' });
    await expect(callWebhook(commandOf(tenant, 'call_webhook', { url: receiver.url('/old') }), context(options(undefined, { maxRedirects: 1 })))).resolves.toMatchObject({ status: 'succeeded' });
    expect(receiver.received.map((r) => r.path)).toEqual(['/old', '/old', '/new']);
  });

  it('when a redirect points to another origin, then it is not followed, so the tenant headers and signature stay with the first receiver', async () => {
    const elsewhere = receiver.url('/new').replace('127.0.0.1', 'localhost');
    receiver.setReply((r) => (r.path === '/old' ? { status: 307, headers: { location: elsewhere } } : { status: 200 }));
    await expect(callWebhook(commandOf(tenant, 'call_webhook', { url: receiver.url('/old') }), context(options(undefined, { maxRedirects: 3 })))).resolves.toMatchObject({ status: 'failed', error: 'webhook answered 307 (redirect not followed)' });
    expect(receiver.received.map((r) => r.path)).toEqual(['/old']);
  });

  it('when the receiver does not answer in time, then it is retried as a timeout', async () => {
    receiver.setReply(() => ({ status: 200, delayMs: 3000 }));
    await expect(callWebhook(commandOf(tenant, 'call_webhook', { url: receiver.url('/slow') }), context(options(undefined, { responseTimeoutMs: 300 })))).rejects.toThrow(/timed out/);
  });

  it('when the tenant has no signing secret, then the action fails and says how to create one', async () => {
    const other = parseTenantId('no-secret');
    const result = await callWebhook(commandOf(other, 'call_webhook', { url: receiver.url('/hook') }), context(options()));
    expect(result).toMatchObject({ status: 'failed', error: expect.stringContaining('POST /api/v1/automation/settings/webhook-secret') });
    expect(receiver.received).toHaveLength(0);
  });
});

describe('SSRF guard', () => {
  const refused = async (url: string, allowed?: string[]) => {
    const result = await callWebhook(commandOf(tenant, 'call_webhook', { url }), context(options(allowed)));
    expect(result.status).toBe('failed');
    return result.error;
  };

  it('when 127.0.0.1 is not allow-listed, then it is refused, also through a hostname or a mapped IPv6 form, and nothing is sent', async () => {
    expect(await refused(receiver.url('/hook'), [])).toMatch(/loopback/);
    expect(await refused(`http://localhost:${receiver.port}/hook`, [])).toMatch(/localhost resolves to .*loopback/);
    expect(await refused(`http://[::ffff:127.0.0.1]:${receiver.port}/hook`, [])).toMatch(/loopback/);
    expect(receiver.received).toHaveLength(0);
  });

  it('when the URL is the cloud metadata address, then it is refused even if allow-listed', async () => {
    expect(await refused('http://169.254.169.254/latest/meta-data/', ['169.254.169.254', '169.254.169.254:80'])).toMatch(/cloud metadata/);
    expect(await refused('http://[fd00:ec2::254]/', ['fd00:ec2::254'])).toMatch(/cloud metadata/);
  });

  it('when the URL is http without WEBHOOK_ALLOW_HTTP, or carries credentials, then it is refused', async () => {
    const result = await callWebhook(commandOf(tenant, 'call_webhook', { url: receiver.url('/hook') }), context({ ...options(), policy: { allowedHosts: new Set([`127.0.0.1:${receiver.port}`]), allowHttp: false } }));
    expect(result).toMatchObject({ status: 'failed', error: 'webhook url must use https, not http' });
    expect(await refused(`http://user:pw@127.0.0.1:${receiver.port}/`)).toMatch(/credentials/);
  });

  it.each([
    ['10.1.2.3', 'private'], ['192.168.0.1', 'private'], ['172.16.5.5', 'private'], ['100.64.0.1', 'carrierGradeNat'], ['0.0.0.0', 'unspecified'],
    ['224.0.0.1', 'multicast'], ['::1', 'loopback'], ['fe80::1', 'linkLocal'], ['fc00::1', 'uniqueLocal'], ['ff02::1', 'multicast'],
    ['::ffff:10.0.0.1', 'private'], ['64:ff9b::a00:1', 'rfc6052'], ['2002:a00:1::', '6to4'],
  ])('when an address is %s, then it is refused as %s', (address, range) => {
    expect(refusalOf(address, false)).toContain(range);
  });

  it('when an address is public unicast, then it passes', () => {
    expect(refusalOf('93.184.216.34', false)).toBeUndefined();
    expect(refusalOf('2606:2800:220:1:248:1893:25c8:1946', false)).toBeUndefined();
  });
});

describe('Retry-After', () => {
  it('when given in seconds or as an HTTP date, then it is read as milliseconds', () => {
    expect(retryAfterMs('3')).toBe(3000);
    const inTenSeconds = new Date(Date.now() + 10_000).toUTCString();
    expect(retryAfterMs(inTenSeconds)).toBeGreaterThan(8000);
    expect(retryAfterMs('soon')).toBeUndefined();
  });
});
