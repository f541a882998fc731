import type { AddressInfo } from 'node:net';
import { OutboxRelay, type Running } from '@flowline/runtime';
import { createApp, type ApiDeps } from './entry-points/http/create-app.ts';
import { defaultApiSecurity } from './entry-points/http/security/security-options.ts';

export interface RunningApi extends Running {
  port: number;
}

/** Serves the api on `port` (0 picks a free one) until stopped. */
export async function startApi(deps: ApiDeps & { port: number; host?: string }): Promise<RunningApi> {
  const security = deps.security ?? defaultApiSecurity();
  if (security.auth.mode === 'trusted-header') {
    deps.logger.warn('AUTH_MODE=trusted-header: X-Tenant-ID is trusted as sent; expose the api only behind a gateway that sets it');
  }
  // The relay publishes what entity writes queued in the outbox, including rows left
  // unsent by an api that died between its commit and the publish.
  const relay = new OutboxRelay({ stores: deps.stores, bus: deps.bus, logger: deps.logger.child({ component: 'outbox-relay' }) });
  const app = createApp({
    ...deps,
    security,
    afterEntityCommit: () => {
      deps.afterEntityCommit?.();
      relay.poke();
    },
  });
  const server = await new Promise<import('node:http').Server>((resolve, reject) => {
    const s = app.listen(deps.port, deps.host ?? '0.0.0.0', (error?: Error) => (error ? reject(error) : resolve(s)));
  });
  // Requests that hang must not pin a socket forever.
  server.requestTimeout = 30_000;
  const port = (server.address() as AddressInfo).port;
  relay.start();
  // Where a person looks first; `localhost` when listening on every interface.
  const origin = `http://${[undefined, '0.0.0.0', '::'].includes(deps.host) ? 'localhost' : deps.host}:${port}`;
  deps.logger.info({ port, console: `${origin}/console`, reference: `${origin}/docs`, health: `${origin}/health` }, 'api listening');
  return {
    port,
    async stop() {
      await new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeIdleConnections();
      });
      await relay.stop();
    },
  };
}
