import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  path: string;
  method: string;
  headers: IncomingHttpHeaders;
  body: string;
  at: number;
}

export type Reply = (request: Received) => { status: number; headers?: Record<string, string>; body?: string; delayMs?: number };

/** A real HTTP server on 127.0.0.1 that records every request and answers as `reply` says. */
export async function webhookReceiver(reply: Reply = () => ({ status: 200, body: 'ok' })): Promise<{
  server: Server;
  port: number;
  url: (path: string) => string;
  received: Received[];
  setReply(next: Reply): void;
  close(): Promise<void>;
}> {
  const received: Received[] = [];
  let current = reply;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const request = { path: req.url ?? '', method: req.method ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() };
      received.push(request);
      const answer = current(request);
      const send = () => {
        if (res.destroyed) return;
        res.writeHead(answer.status, answer.headers ?? {});
        res.end(answer.body ?? '');
      };
      if (answer.delayMs) setTimeout(send, answer.delayMs).unref();
      else send();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    server,
    port,
    url: (path) => `http://127.0.0.1:${port}${path}`,
    received,
    setReply: (next) => (current = next),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A receiver's check, exactly as the README shows it. */
export { verifyFlowlineSignature } from './verify-signature.ts';
