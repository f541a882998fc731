import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiOnly, type ApiOnly } from '../../../test/support/api-only.ts';

/*
 * A client that sends its headers or its body slowly must not hold a socket: it gets a 408 and
 * the connection is closed promptly.
 */
let api: ApiOnly;
beforeAll(async () => {
  api = await startApiOnly((security) => {
    security.limits = { ...security.limits, headersTimeoutMs: 800, requestTimeoutMs: 800 };
  });
});
afterAll(() => api.stop());

/** Writes `chunks` to a raw socket and resolves with what came back and when the server closed it. */
function slowClient(chunks: string[]): Promise<{ response: string; closedAfterMs: number }> {
  const { port } = new URL(api.baseUrl);
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = connect(Number(port), '127.0.0.1', () => {
      for (const chunk of chunks) socket.write(chunk);
    });
    let response = '';
    socket.setEncoding('utf8');
    socket.on('data', (data) => (response += data));
    socket.on('error', reject);
    socket.on('close', () => resolve({ response, closedAfterMs: Date.now() - started }));
    setTimeout(() => socket.destroy(new Error('the server kept the socket open for 10 s')), 10_000).unref();
  });
}

describe('slow clients', () => {
  it('when the headers never finish, then 408 and the socket is closed within about a second of the headers timeout', async () => {
    const { response, closedAfterMs } = await slowClient(['GET /api/v1/automation/rules HTTP/1.1\r\nHost: x\r\nX-Tenant-ID: acme-corp\r\n']);
    expect(response).toMatch(/^HTTP\/1\.1 408/);
    expect(closedAfterMs).toBeLessThan(800 + 2500);
  });

  it('when the body stops half-way, then a 408 problem document and the socket is closed promptly', async () => {
    const body = JSON.stringify({ type: 'lead_created', data: { lead_id: 'l1' } });
    const { response, closedAfterMs } = await slowClient([
      `POST /api/v1/events HTTP/1.1\r\nHost: x\r\nX-Tenant-ID: acme-corp\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 10)}`,
    ]);
    expect(response).toMatch(/^HTTP\/1\.1 408/);
    expect(response).toContain('application/problem+json');
    expect(response).toContain('"code":"request_timeout"');
    expect(closedAfterMs).toBeLessThan(800 + 2500);
  });
});
