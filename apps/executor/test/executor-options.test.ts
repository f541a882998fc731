import { loadConfig } from '@flowline/config';
import { describe, expect, it } from 'vitest';
import { executorOptionsFromConfig } from '../src/start-executor.ts';

describe('executorOptionsFromConfig', () => {
  it('when webhooks, the scheduler and the batch size are configured, then every entry point gets those settings', () => {
    const config = loadConfig({
      WEBHOOK_ALLOWED_HOSTS: ' Billing.internal:8443 , 127.0.0.1 ,',
      WEBHOOK_ALLOW_HTTP: 'true',
      WEBHOOK_CONNECT_TIMEOUT_MS: '1000',
      WEBHOOK_RESPONSE_TIMEOUT_MS: '5000',
      WEBHOOK_RETRY_WINDOW_MS: '60000',
      WEBHOOK_MAX_CONCURRENCY_PER_TENANT: '2',
      WEBHOOK_MAX_REDIRECTS: '1',
      SCHEDULER_POLL_MS: '100',
      MAX_DELIVERY_ATTEMPTS: '7',
      BATCH_MAX: '9',
      TENANT_MAX_COMMANDS_IN_FLIGHT: '5',
    });
    expect(executorOptionsFromConfig(config)).toEqual({
      webhook: {
        policy: { allowedHosts: new Set(['billing.internal:8443', '127.0.0.1']), allowHttp: true },
        connectTimeoutMs: 1000,
        responseTimeoutMs: 5000,
        retryWindowMs: 60_000,
        maxRedirects: 1,
        maxConcurrencyPerTenant: 2,
      },
      maxDeliveryAttempts: 7,
      schedulerPollMs: 100,
      batchMax: 9,
      flowControl: { limits: { maxInFlight: 5, rate: 0, burst: 1 }, deferredPrefetch: 16, promoteAfterMs: 5000, overridesTtlMs: 60_000 },
    });
  });

  it('when nothing is configured, then webhooks are https only with the 3 s / 30 s timeouts and no internal hosts', () => {
    const { webhook } = executorOptionsFromConfig(loadConfig({}));
    expect(webhook).toMatchObject({ policy: { allowedHosts: new Set(), allowHttp: false }, connectTimeoutMs: 3000, responseTimeoutMs: 30_000, maxRedirects: 0 });
  });

  it('when WEBHOOK_ALLOW_HTTP is not true or false, then the configuration is refused naming it', () => {
    expect(() => loadConfig({ WEBHOOK_ALLOW_HTTP: 'yes' })).toThrow(/WEBHOOK_ALLOW_HTTP/);
  });
});
