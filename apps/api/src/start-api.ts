import type { AddressInfo } from 'node:net';
import type { Running } from '@flowline/runtime';
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
  const app = createApp({ ...deps, security });
  const server = await new Promise<import('node:http').Server>((resolve, reject) => {
    const s = app.listen(deps.port, deps.host ?? '0.0.0.0', (error?: Error) => (error ? reject(error) : resolve(s)));
  });
  // Requests that hang must not pin a socket forever.
  server.requestTimeout = 30_000;
  const port = (server.address() as AddressInfo).port;
  deps.logger.info({ port }, 'api listening');
  return {
    port,
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeIdleConnections();
      }),
  };
}
