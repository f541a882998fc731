import type { z } from 'zod';
import { PermanentMessageError } from './errors.ts';
import type { IncomingMessage } from './message-bus.ts';
import { HEADERS } from './topology.ts';

/**
 * Largest message body a consumer accepts (the api takes at most 256 KiB of JSON, and its
 * envelope adds little): anything bigger was not produced by Flowline and is not parsed at all.
 */
export const MAX_MESSAGE_BYTES = 512 * 1024;

/**
 * Turns raw bytes into a trusted message, or throws a PermanentMessageError whose text is
 * the dead-letter reason: too large, not JSON, not the schema (each problem with its path), or a tenant
 * header that disagrees with the body's `tenant_id`.
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
    throw new PermanentMessageError(`body does not match the contract: ${problems.join('; ')}`);
  }
  const headerTenant = message.headers[HEADERS.tenantId];
  if (headerTenant !== undefined && String(headerTenant) !== result.data.tenant_id) {
    throw new PermanentMessageError(`header ${HEADERS.tenantId} '${String(headerTenant)}' does not match body tenant_id '${result.data.tenant_id}'`);
  }
  return result.data;
}
