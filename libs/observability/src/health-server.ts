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
  const server: Server = createServer((req, res) => {
    // A failing probe answers 500; it must never become an unhandled rejection that stops the worker.
    serve(req, res, options.checks).catch(() => {
      if (!res.headersSent) sendJson(res, 500, { status: 'error' });
      else res.destroy();
    });
  });
  // A taken port rejects (EADDRINUSE) instead of becoming an unhandled 'error' event.
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '0.0.0.0', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function serve(req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse, checks: Record<string, ReadinessCheck>): Promise<void> {
  const path = (req.url ?? '').split('?')[0];
  if (req.method === 'GET' && path === '/health') {
    return sendJson(res, 200, { status: 'ok' });
  }
  if (req.method === 'GET' && path === '/ready') {
    const report = await runChecks(checks);
    return sendJson(res, report.ready ? 200 : 503, report);
  }
  if (req.method === 'GET' && path === '/metrics') {
    const { contentType, body } = await metrics().exposition();
    res.writeHead(200, { 'content-type': contentType });
    res.end(body);
    return;
  }
  sendJson(res, 404, { status: 'not_found' });
}

/** A check that has not answered by then counts as failing: a probe must answer in time. */
const CHECK_TIMEOUT_MS = 2000;

/** Runs every readiness check at once, each bounded by {@link CHECK_TIMEOUT_MS}. */
export async function runChecks(checks: Record<string, ReadinessCheck>): Promise<{ ready: boolean; checks: Record<string, string> }> {
  const outcomes = await Promise.all(
    Object.entries(checks).map(async ([name, check]): Promise<[string, string]> => {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
      });
      try {
        await Promise.race([Promise.resolve().then(check), timeout]);
        return [name, 'ok'];
      } catch (error) {
        return [name, error instanceof Error ? error.message : String(error)];
      } finally {
        clearTimeout(timer);
      }
    }),
  );
  return { ready: outcomes.every(([, result]) => result === 'ok'), checks: Object.fromEntries(outcomes) };
}

function sendJson(res: import('node:http').ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}
