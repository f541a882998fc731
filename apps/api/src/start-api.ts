import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { OutboxRelay, type Running } from '@flowline/runtime';
import { startHealthServer } from '@flowline/observability';
import { createApp, readinessChecks, type ApiDeps } from './entry-points/http/create-app.ts';
import { defaultApiSecurity } from './entry-points/http/security/security-options.ts';

export interface RunningApi extends Running {
  port: number;
  /** Where `/metrics` is served when it has a port of its own. */
  metricsPort?: number;
}

/** Serves the api on `port` (0 picks a free one) until stopped. */
export async function startApi(deps: ApiDeps & { port: number; host?: string; metricsPort?: number | undefined }): Promise<RunningApi> {
  const security = deps.security ?? defaultApiSecurity();
  if (security.auth.mode === 'trusted-header') {
    deps.logger.warn('AUTH_MODE=trusted-header: X-Tenant-ID is trusted as sent; expose the api only behind a gateway that sets it');
  }
  // The relay publishes what entity writes queued in the outbox, including rows left
  // unsent by an api that died between its commit and the publish.
  const relay = new OutboxRelay({ stores: deps.stores, bus: deps.bus, logger: deps.logger.child({ component: 'outbox-relay' }) });
  // /metrics on a port of its own (inside the cluster), not on the public one.
  const metricsServer = deps.metricsPort === undefined ? undefined : await startHealthServer({ port: deps.metricsPort, host: deps.host, checks: readinessChecks(deps.stores, deps.bus) });
  const app = createApp({
    ...deps,
    serveMetrics: metricsServer === undefined,
    security,
    afterEntityCommit: () => {
      deps.afterEntityCommit?.();
      relay.poke();
    },
  });
  // Slow clients must not pin sockets: headers must arrive within headersTimeoutMs, and Node
  // answers 408 and closes; a slow body gets its 408 from the request timeout (hardening.ts),
  // with Node's own requestTimeout as the backstop. Node checks these once a second, not 30.
  const server = createServer(
    { headersTimeout: security.limits.headersTimeoutMs, requestTimeout: Math.max(security.limits.requestTimeoutMs + 5000, security.limits.headersTimeoutMs), connectionsCheckingInterval: 1000 },
    app,
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(deps.port, deps.host ?? '0.0.0.0', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  relay.start();
  // Where a person looks first; `localhost` when listening on every interface.
  const origin = `http://${[undefined, '0.0.0.0', '::'].includes(deps.host) ? 'localhost' : deps.host}:${port}`;
  deps.logger.info({ port, console: `${origin}/console`, reference: `${origin}/docs`, health: `${origin}/health` }, 'api listening');
  return {
    port,
    ...(metricsServer ? { metricsPort: metricsServer.port } : {}),
    async stop() {
      await metricsServer?.close();
      await new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeIdleConnections();
      });
      await relay.stop();
    },
  };
}
