import type { z } from 'zod';
import { boundField, summariseProblems } from '@flowline/observability';
import { PermanentMessageError } from './errors.ts';
import type { IncomingMessage } from './message-bus.ts';
import { HEADERS } from './topology.ts';
import { MAX_MESSAGE_BYTES } from './wire-limits.ts';

/**
 * Turns raw bytes into a trusted message, or throws a PermanentMessageError whose text is
 * the dead-letter reason: too large, not JSON, not the schema (the first problems with their
 * paths, and how many more), or a tenant header that is not one string equal to the body's
 * `tenant_id`.
 */
export function decodeMessage<S extends z.ZodType<{ tenant_id: string }>>(message: IncomingMessage, schema: S): z.infer<S> {
  if (message.content.length > MAX_MESSAGE_BYTES) {
    throw new PermanentMessageError(`body is ${message.content.length} bytes, over the ${MAX_MESSAGE_BYTES}-byte limit`);
  }
  let json: unknown;
  try {
    json = JSON.parse(message.content.toString('utf8'));
  } catch {
    throw new PermanentMessageError('body is not valid JSON');
  }
  const result = schema.safeParse(json);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join('.') || '(body)'}: ${issue.message}`);
    throw new PermanentMessageError(`body does not match the contract: ${summariseProblems(problems)}`);
  }
  for (const headerTenant of tenantHeaders(message.headers)) {
    if (typeof headerTenant !== 'string') {
      throw new PermanentMessageError(`header ${HEADERS.tenantId} must be one string, not ${Array.isArray(headerTenant) ? 'an array' : typeof headerTenant}`);
    }
    if (headerTenant !== result.data.tenant_id) {
      throw new PermanentMessageError(`header ${HEADERS.tenantId} '${boundField(headerTenant, 80)}' does not match body tenant_id '${result.data.tenant_id}'`);
    }
  }
  return result.data;
}

/** AMQP header names are case-sensitive, people are not: every spelling of the tenant header counts. */
function tenantHeaders(headers: Record<string, unknown>): unknown[] {
  return Object.keys(headers)
    .filter((name) => name.toLowerCase() === HEADERS.tenantId)
    .map((name) => headers[name]);
}
