import { createRequire } from 'node:module';
import type { Options } from 'amqplib';
import { boundText } from '@flowline/observability';
import { PermanentMessageError } from './errors.ts';
import { HEADERS } from './topology.ts';

/*
 * amqplib encodes a publish only when it writes it: a short-string property over 255 bytes, or a
 * header table that overflows its 64 KiB scratch buffer, throws there, inside a confirm channel's
 * publish, after the channel has already counted the message as awaiting a confirm. Every later
 * confirm on that channel then answers the wrong publish. (A table whose last value overflows is
 * not even refused: it is cut silently, and the frame is corrupt.) So each publish is first
 * measured and encoded here, with amqplib's own encoder, and refused before any channel sees it.
 */
const require = createRequire(import.meta.url);
const defs = require('amqplib/lib/defs.js') as {
  BasicPublish: number;
  BasicProperties: number;
  encodeMethod(id: number, channel: number, fields: unknown): Buffer;
  encodeProperties(id: number, channel: number, size: number, fields: unknown): Buffer;
};
const Args = require('amqplib/lib/api_args.js') as { publish(exchange: string, routingKey: string, options: Options.Publish): unknown };

/**
 * The largest message body Flowline publishes or accepts, whichever way it arrives: the api's
 * own body limit, so an event posted over HTTP and one published straight to the exchange meet
 * the same bound.
 */
export const MAX_MESSAGE_BYTES = 256 * 1024;

/** The most all headers of one message may take on the wire: half of amqplib's 64 KiB scratch buffer. */
export const MAX_HEADER_BYTES = 32 * 1024;

/** A message that could never reach the broker (too large, or headers AMQP cannot carry); retrying cannot help. */
export class UnpublishableMessageError extends PermanentMessageError {
  override readonly name = 'UnpublishableMessageError';
}

/**
 * Throws an {@link UnpublishableMessageError} when amqplib could not encode this publish, or when
 * a new message's body is over {@link MAX_MESSAGE_BYTES} (`checkBodySize: false` for copies of
 * a delivered message, which the broker already holds).
 */
export function assertPublishable(exchange: string, routingKey: string, content: Buffer, options: Options.Publish, { checkBodySize = true } = {}): void {
  if (checkBodySize && content.length > MAX_MESSAGE_BYTES) {
    throw new UnpublishableMessageError(`the message body is ${content.length} bytes, over the ${MAX_MESSAGE_BYTES}-byte limit`);
  }
  // Nearly every publish (Flowline's own commands and events) is plainly small: no need to encode it twice.
  if (plainlyEncodable(exchange, routingKey, options)) return;
  const headerBytes = tableBytes(options.headers ?? {});
  if (headerBytes > MAX_HEADER_BYTES) {
    throw new UnpublishableMessageError(`the message headers take ${headerBytes} bytes, over the ${MAX_HEADER_BYTES}-byte limit`);
  }
  try {
    const fields = Args.publish(exchange, routingKey, options);
    defs.encodeMethod(defs.BasicPublish, 1, fields);
    defs.encodeProperties(defs.BasicProperties, 1, content.length, fields);
  } catch (error) {
    const detail = boundText(error instanceof Error ? error.message : String(error), 200);
    throw new UnpublishableMessageError(`the message cannot be encoded for the broker: its headers or properties are too large or of a type AMQP cannot carry (${detail})`, {
      cause: error,
    });
  }
}

export function isPublishable(exchange: string, routingKey: string, content: Buffer, options: Options.Publish): boolean {
  try {
    assertPublishable(exchange, routingKey, content, options, { checkBodySize: false });
    return true;
  } catch {
    return false;
  }
}

/** Longest header value a fallback copy keeps. */
const MAX_KEPT_HEADER_CHARS = 256;
const KEPT_ON_FALLBACK = new Set<string>([...Object.values(HEADERS), 'traceparent', 'x-flowline-publish-id']);

/**
 * The headers a retry or dead-letter copy falls back to when its full headers cannot be
 * encoded (a publisher outside Flowline sent huge ones): only Flowline's own and the trace
 * context, each short, plus how many were dropped. The copy then still reaches its queue,
 * instead of the original being requeued for ever.
 */
export function fallbackCopyHeaders(headers: Record<string, unknown>): Record<string, unknown> {
  const kept = Object.entries(headers).filter(
    ([name, value]) =>
      KEPT_ON_FALLBACK.has(name) && (typeof value === 'number' || (typeof value === 'string' && value.length <= MAX_KEPT_HEADER_CHARS)),
  );
  return { ...Object.fromEntries(kept), [HEADERS.headersDropped]: Object.keys(headers).length - kept.length };
}

/** UTF-16 units that encode to at most 255 UTF-8 bytes (3 bytes each at most): an AMQP short string. */
const SHORT_STRING_UNITS = 85;
const PLAIN_HEADER_COUNT = 16;
/** 16 headers of 85-unit names and 512-unit values stay under MAX_HEADER_BYTES, type tags and lengths included. */
const PLAIN_HEADER_VALUE_UNITS = 512;
const SHORT_STRING_PROPERTIES = ['contentType', 'contentEncoding', 'correlationId', 'replyTo', 'expiration', 'messageId', 'type', 'userId', 'appId'] as const;

/**
 * True when amqplib is bound to encode this publish: short strings short enough whatever their characters,
 * and a few headers holding only short strings, finite numbers and booleans. Anything else is measured and
 * encoded by {@link assertPublishable} in full.
 */
function plainlyEncodable(exchange: string, routingKey: string, options: Options.Publish): boolean {
  if (exchange.length > SHORT_STRING_UNITS || routingKey.length > SHORT_STRING_UNITS) return false;
  for (const property of SHORT_STRING_PROPERTIES) {
    const value: unknown = options[property];
    if (value !== undefined && (typeof value !== 'string' || value.length > SHORT_STRING_UNITS)) return false;
  }
  const headers = options.headers ?? {};
  let count = 0;
  for (const name in headers) {
    count += 1;
    if (count > PLAIN_HEADER_COUNT || name.length > SHORT_STRING_UNITS) return false;
    const value: unknown = (headers as Record<string, unknown>)[name];
    if (typeof value === 'string') {
      if (value.length > PLAIN_HEADER_VALUE_UNITS) return false;
    } else if (typeof value === 'number') {
      if (!Number.isFinite(value)) return false;
    } else if (typeof value !== 'boolean' && value !== undefined) return false;
  }
  return true;
}

/** The size of an AMQP field table as amqplib writes it (type tags and length prefixes included). */
function tableBytes(table: object): number {
  let bytes = 4;
  for (const [key, value] of Object.entries(table)) {
    if (value !== undefined) bytes += 1 + Buffer.byteLength(key) + fieldBytes(value);
  }
  return bytes;
}

function fieldBytes(value: unknown): number {
  if (typeof value === 'string') return 5 + Buffer.byteLength(value);
  if (Buffer.isBuffer(value)) return 5 + value.length;
  if (Array.isArray(value)) return 5 + value.reduce((sum: number, item) => sum + fieldBytes(item), 0);
  if (value !== null && typeof value === 'object') return 1 + tableBytes(value);
  return 9;
}
