import { z } from 'zod';

export const ModuleTypeSchema = z.enum(['crm', 'sales']);
export type ModuleType = z.infer<typeof ModuleTypeSchema>;

export const IsoDateTimeSchema = z.iso.datetime({ offset: true });

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

/** What every list endpoint answers: newest first, and a cursor for the next page. */
export interface Page<T> {
  items: T[];
  /** Absent on the last page. */
  next_cursor?: string;
}
