import { randomFillSync } from 'node:crypto';

/*
 * W3C Trace Context (https://www.w3.org/TR/trace-context/), only as much as Flowline needs to
 * follow one event through its logs: a `traceparent` comes in on the HTTP request (or a trace
 * starts there), travels in the event's and the action command's AMQP headers, and every hop
 * continues it with a span id of its own. Hand-written: an OpenTelemetry SDK would bring an
 * exporter pipeline nobody here reads; the header format is four dash-separated hex fields.
 */

/** The AMQP and HTTP header name. */
export const TRACEPARENT = 'traceparent';

export interface TraceContext {
  /** 32 lower-case hex digits, the same on every hop. */
  traceId: string;
  /** 16 lower-case hex digits, new on every hop. */
  spanId: string;
  /** The caller's span, when this one continues a trace. */
  parentSpanId?: string;
  /** W3C trace flags; 01 = sampled. */
  flags: string;
}

const TRACEPARENT_FORMAT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
const ALL_ZEROS = /^0+$/;

/** Reads a traceparent header; undefined when absent or invalid (then a new trace starts). */
export function parseTraceparent(value: unknown): Omit<TraceContext, 'parentSpanId'> | undefined {
  const text = typeof value === 'string' ? value : Buffer.isBuffer(value) ? value.toString('utf8') : undefined;
  const match = text === undefined ? null : TRACEPARENT_FORMAT.exec(text.trim().toLowerCase());
  if (!match) return undefined;
  const [, version, traceId, spanId, flags, rest] = match as unknown as [string, string, string, string, string, string | undefined];
  // Version ff is forbidden; version 00 has exactly four fields.
  if (version === 'ff' || (version === '00' && rest !== undefined)) return undefined;
  if (ALL_ZEROS.test(traceId) || ALL_ZEROS.test(spanId)) return undefined;
  return { traceId, spanId, flags };
}

/** Continues the trace of an incoming traceparent with a new span, or starts a new trace. */
export function continueTrace(incoming: unknown): TraceContext {
  const parent = parseTraceparent(incoming);
  if (!parent) return { traceId: randomHex(16), spanId: newSpanId(), flags: '01' };
  return { traceId: parent.traceId, spanId: newSpanId(), parentSpanId: parent.spanId, flags: parent.flags };
}

/** The header value to send onwards: the callee's parent is this span. */
export function formatTraceparent(context: TraceContext): string {
  return `00-${context.traceId}-${context.spanId}-${context.flags}`;
}

/** Log fields of a span, so that `grep <trace_id>` finds every line of the work. */
export function traceFields(context: TraceContext): { trace_id: string; span_id: string } {
  return { trace_id: context.traceId, span_id: context.spanId };
}

function newSpanId(): string {
  let id = randomHex(8);
  while (ALL_ZEROS.test(id)) id = randomHex(8);
  return id;
}

/*
 * Random bytes drawn from a pool filled 4 KiB at a time: every event and command needs a span id,
 * and one call into the system's random source per id showed up in the engine's profile.
 */
const POOL_BYTES = 4096;
let pool = Buffer.alloc(0);
let offset = 0;

function randomHex(bytes: number): string {
  if (offset + bytes > pool.length) {
    pool = randomFillSync(Buffer.allocUnsafe(POOL_BYTES));
    offset = 0;
  }
  const hex = pool.toString('hex', offset, offset + bytes);
  offset += bytes;
  return hex;
}
