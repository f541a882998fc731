import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi, type RunningApi } from '@flowline/api';
import { createMessageBus, type MessageBus } from '@flowline/messaging';
import { silentLogger } from '@flowline/observability';
import { catalogue } from '@flowline/rules';
import { openSqliteStores, type Stores } from '@flowline/storage';

let stores: Stores;
let bus: MessageBus;
let api: RunningApi;
beforeAll(async () => {
  stores = await openSqliteStores(':memory:');
  bus = await createMessageBus({ namespace: 'metrics-port' });
  api = await startApi({ stores, bus, catalogue, logger: silentLogger(), port: 0, host: '127.0.0.1', metricsPort: 0 });
});
afterAll(async () => {
  await api.stop();
  await bus.close();
  await stores.close();
});

describe('API_METRICS_PORT', () => {
  it('when the api has a metrics port, then /metrics answers there and not on the public port, where the probes still answer', async () => {
    expect(api.metricsPort).toBeGreaterThan(0);
    expect((await fetch(`http://127.0.0.1:${api.port}/metrics`)).status).toBe(404);
    const metrics = await fetch(`http://127.0.0.1:${api.metricsPort}/metrics`);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain('flowline_');
    expect((await fetch(`http://127.0.0.1:${api.port}/ready`)).status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${api.metricsPort}/ready`)).status).toBe(200);
  });
});
