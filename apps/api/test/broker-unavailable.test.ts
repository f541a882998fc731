import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { startApi, type RunningApi } from '@flowline/api';
import { createMessageBus, type MessageBus } from '@flowline/messaging';
import { silentLogger } from '@flowline/observability';
import { catalogue } from '@flowline/rules';
import { openSqliteStores, type Stores } from '@flowline/storage';
import { client, deleteNamespace, eventually, tempDir, uniqueNamespace } from '../../../test/support/harness.ts';
import { TcpProxy } from '../../../test/support/tcp-proxy.ts';

/* The api's broker link runs through a TCP relay that can freeze, as a stalled network would. */
const amqpUrl = inject('amqpUrl');
const namespace = uniqueNamespace('api503');
const dir = tempDir();
let proxy: TcpProxy;
let bus: MessageBus;
let stores: Stores;
let api: RunningApi;

beforeAll(async () => {
  proxy = await TcpProxy.start(amqpUrl);
  stores = await openSqliteStores(`${dir.path}/db.sqlite`);
  bus = await createMessageBus({ amqpUrl: proxy.urlFor(amqpUrl), namespace, publishTimeoutMs: 500, logger: silentLogger() });
  api = await startApi({ stores, bus, catalogue, logger: silentLogger(), port: 0, host: '127.0.0.1' });
});
afterAll(async () => {
  proxy.thaw();
  await api.stop();
  await bus.close();
  await stores.close();
  await proxy.close();
  await deleteNamespace(amqpUrl, namespace);
  dir.remove();
});

describe('POST /api/v1/events when the broker cannot confirm', () => {
  it('when the broker link stalls, then the api answers 503 with Retry-After, never 202, and answers 202 again once it recovers', async () => {
    const acme = client(`http://127.0.0.1:${api.port}`, 'acme-corp');
    const event = { type: 'lead_created', data: { lead_id: 'l1' } };
    expect((await acme.post('/api/v1/events', event)).status).toBe(202);

    proxy.freeze();
    const stalled = await acme.post('/api/v1/events', event);
    expect(stalled.status).toBe(503);
    expect(stalled.headers.get('retry-after')).toBe('5');
    expect(stalled.body).toMatchObject({ code: 'broker_unavailable', status: 503 });
    expect(JSON.stringify(stalled.body)).not.toMatch(/stack|at .*\.ts/);

    proxy.thaw();
    // Accepted again as soon as the connection answers; polled, not a guessed pause.
    await eventually(async () => ((await acme.post('/api/v1/events', event)).status === 202 ? true : undefined), 10_000);
  });
});
