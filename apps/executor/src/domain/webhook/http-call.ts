import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';

export interface HttpCall {
  url: URL;
  method: string;
  headers: Record<string, string>;
  body?: string | undefined;
  connectTimeoutMs: number;
  responseTimeoutMs: number;
  lookup: LookupFunction;
}

export interface HttpAnswer {
  status: number;
  headers: IncomingMessage['headers'];
  /** The first bytes of the body, as text; the rest is read and dropped. */
  bodyExcerpt: string;
  durationMs: number;
}

/** A call that could not complete: no connection, a timeout, or a broken exchange. */
export class TransportError extends Error {
  override readonly name = 'TransportError';
  readonly timedOut: boolean;
  constructor(message: string, timedOut = false, options?: ErrorOptions) {
    super(message, options);
    this.timedOut = timedOut;
  }
}

const EXCERPT_BYTES = 512;
/** A receiver that streams more than this is cut off: the body is only kept as an excerpt anyway. */
const MAX_BODY_BYTES = 1024 * 1024;

/**
 * One HTTP request with node's own client: a fresh socket per call (no agent pool, so every
 * connect goes through the guarded lookup), a connect timeout, and a response timeout covering
 * the whole answer. Redirects are not followed here.
 */
export function httpCall(call: HttpCall): Promise<HttpAnswer> {
  const started = performance.now();
  const send = call.url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<HttpAnswer>((resolve, reject) => {
    let settled = false;
    const finish = (error: Error | undefined, answer?: HttpAnswer) => {
      if (settled) return;
      settled = true;
      clearTimeout(connectTimer);
      clearTimeout(responseTimer);
      if (error) {
        req.destroy();
        reject(error);
      } else resolve(answer!);
    };
    const req = send(call.url, {
      method: call.method,
      headers: { ...call.headers, ...(call.body === undefined ? {} : { 'content-length': String(Buffer.byteLength(call.body)) }) },
      lookup: call.lookup,
      agent: false,
    });
    const connectTimer = setTimeout(() => finish(new TransportError(`no connection within ${call.connectTimeoutMs} ms`, true)), call.connectTimeoutMs);
    const responseTimer = setTimeout(() => finish(new TransportError(`no complete response within ${call.responseTimeoutMs} ms`, true)), call.responseTimeoutMs);
    req.on('socket', (socket) => {
      // A reused or already connected socket does not emit connect.
      if (!socket.connecting) clearTimeout(connectTimer);
      else socket.once('connect', () => clearTimeout(connectTimer));
    });
    req.on('error', (error) => finish(error instanceof TransportError || error.name === 'RefusedTargetError' ? error : new TransportError(error.message, false, { cause: error })));
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let kept = 0;
      let total = 0;
      res.on('data', (chunk: Buffer) => {
        total += chunk.length;
        if (kept < EXCERPT_BYTES) {
          chunks.push(chunk.subarray(0, EXCERPT_BYTES - kept));
          kept += Math.min(chunk.length, EXCERPT_BYTES - kept);
        }
        if (total > MAX_BODY_BYTES) res.destroy();
      });
      const done = () =>
        finish(undefined, {
          status: res.statusCode ?? 0,
          headers: res.headers,
          bodyExcerpt: Buffer.concat(chunks).toString('utf8'),
          durationMs: Math.round(performance.now() - started),
        });
      res.on('end', done);
      // Cut off on purpose (too long): the status is what counts.
      res.on('close', () => (total > MAX_BODY_BYTES ? done() : finish(new TransportError('connection closed before the response ended'))));
      res.on('error', (error) => finish(new TransportError(error.message, false, { cause: error })));
    });
    req.end(call.body);
  });
}
