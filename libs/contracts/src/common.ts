import { z } from 'zod';

export const ModuleTypeSchema = z.enum(['crm', 'sales']);
export type ModuleType = z.infer<typeof ModuleTypeSchema>;

/**
 * An RFC 3339 timestamp of normal length: a real date and time, at most nanosecond precision.
 * It travels in message headers (`x-flowline-event-time`), which AMQP cannot make arbitrarily long.
 */
export const IsoDateTimeSchema = z.iso
  .datetime({ offset: true })
  .max(35)
  .regex(/^[^.]*(\.\d{1,9})?([Zz]|[+-]\d{2}:?\d{2})$/, 'must have at most 9 fractional digits');

/**
 * An id that ties related work together (correlation, causation). It travels as an AMQP short
 * string property (at most 255 bytes) and in log lines, so it is short and plain ASCII.
 */
export const CorrelationIdSchema = z.string().regex(/^[A-Za-z0-9._:-]{1,128}$/, 'must be 1 to 128 characters of A-Z a-z 0-9 . _ : -');

/**
 * A UUID in its canonical lower-case form: the same id in another case is the same event, and
 * every id derived from it (executions, commands) must come out the same.
 */
export const CanonicalUuidSchema = z.uuid().overwrite((id) => id.toLowerCase());

/** Path segments that would reach an object's prototype rather than its data. */
const FORBIDDEN_SEGMENTS = new Set(['__proto__', 'prototype', 'constructor']);

/** A dotted path into event data, e.g. `contact.address.city`. */
export const FieldPathSchema = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[A-Za-z0-9_$-]+(\.[A-Za-z0-9_$-]+)*$/, 'must be a dotted path such as contact.email')
  .refine((path) => path.split('.').every((s) => !FORBIDDEN_SEGMENTS.has(s)), 'must not name __proto__, prototype or constructor');

export const TriggerIdSchema = z.string().regex(/^[a-z][a-z0-9_]{0,63}$/, 'must be a trigger id such as opportunity_created');

export const ScalarSchema = z.union([z.string().max(1000), z.number().finite(), z.boolean(), z.null()]);
export type Scalar = z.infer<typeof ScalarSchema>;

/** Query-string limit for list endpoints. */
export const LimitSchema = z.coerce.number().int().min(1).max(500).default(50);

/** A `next_cursor` from a previous page, handed back to get the page after it. */
export const CursorSchema = z.string().regex(/^[A-Za-z0-9_-]{1,400}$/, 'must be a next_cursor from a previous page');

/**
 * `shape=array` on a list that answered a bare JSON array before it answered pages: the old
 * answer (the page's items only, no cursor), kept for one deprecation period (docs/api.md).
 */
export const ListShapeSchema = z.enum(['array']).describe('Deprecated: `array` answers the bare JSON array of this page\'s items, as before pages; see the `Deprecation` header.');

/** A page of at most `limit` items, after `cursor` (the previous page's `next_cursor`). */
export interface PageOptions {
  limit: number;
  cursor?: string | undefined;
}

/** What every list endpoint answers: newest first, and a cursor for the next page. */
export interface Page<T> {
  items: T[];
  /** Absent on the last page. */
  next_cursor?: string;
}
