import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { metrics } from './metrics.ts';

export type ReadinessCheck = () => Promise<void> | void;

export interface HealthServer {
  readonly port: number;
  close(): Promise<void>;
}

/**
 * The small HTTP port a worker serves for its probes: `GET /health` answers while the
 * process runs, `GET /ready` only while every check passes (broker connected, store answering),
 * `GET /metrics` the process's Prometheus registry.
 */
export async function startHealthServer(options: { port: number; host?: string; checks: Record<string, ReadinessCheck> }): Promise<HealthServer> {
  const server: Server = createServer(async (req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (req.method === 'GET' && path === '/health') {
      return sendJson(res, 200, { status: 'ok' });
    }
    if (req.method === 'GET' && path === '/ready') {
      const report = await runChecks(options.checks);
      return sendJson(res, report.ready ? 200 : 503, report);
    }
    if (req.method === 'GET' && path === '/metrics') {
      const { contentType, body } = await metrics().exposition();
      res.writeHead(200, { 'content-type': contentType });
      return res.end(body);
    }
    sendJson(res, 404, { status: 'not_found' });
  });
  await new Promise<void>((resolve) => server.listen(options.port, options.host ?? '0.0.0.0', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export async function runChecks(checks: Record<string, ReadinessCheck>): Promise<{ ready: boolean; checks: Record<string, string> }> {
  const results: Record<string, string> = {};
  let ready = true;
  for (const [name, check] of Object.entries(checks)) {
    try {
      await check();
      results[name] = 'ok';
    } catch (error) {
      ready = false;
      results[name] = error instanceof Error ? error.message : String(error);
    }
  }
  return { ready, checks: results };
}

function sendJson(res: import('node:http').ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}
