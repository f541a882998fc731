import { z } from 'zod';
import { CanonicalUuidSchema, CorrelationIdSchema, IsoDateTimeSchema, ModuleTypeSchema, TriggerIdSchema } from './common.ts';
import { findUnsafeJson } from './json-guard.ts';
import { TenantIdSchema } from './tenant.ts';

/**
 * Free-form, but never deep enough to blow a stack nor carrying prototype keys, whoever published
 * it. Checked on the raw input: parsing into a record would silently drop a `__proto__` key.
 */
export const EventDataSchema = z.preprocess((data, ctx) => {
  const problem = findUnsafeJson(data);
  if (problem) ctx.addIssue({ code: 'custom', path: problem.path, message: problem.message, input: data });
  return data;
}, z.record(z.string(), z.unknown()));

/** Body of `POST /api/v1/events`. */
export const IngestEventRequestSchema = z.strictObject({
  type: TriggerIdSchema,
  data: EventDataSchema,
  id: CanonicalUuidSchema.optional(),
  source: z.string().min(1).max(200).optional(),
  time: IsoDateTimeSchema.optional(),
});
export type IngestEventRequest = z.infer<typeof IngestEventRequestSchema>;

/**
 * A business event on the events exchange, whoever published it. `type` is a trigger id;
 * `correlation_id` ties together everything one original event caused.
 */
export const EventEnvelopeSchema = z.strictObject({
  id: CanonicalUuidSchema,
  tenant_id: TenantIdSchema,
  type: TriggerIdSchema,
  module_type: ModuleTypeSchema,
  source: z.string().min(1).max(200),
  time: IsoDateTimeSchema,
  data: EventDataSchema,
  correlation_id: CorrelationIdSchema,
  causation_id: CorrelationIdSchema.nullable().default(null),
  /** How many action-caused hops led here; 0 for an event from the outside world. */
  causation_depth: z.number().int().min(0).max(1000).default(0),
  /**
   * W3C trace context of the work that raised an event waiting in the outbox; the relay sends
   * it as the `traceparent` header, which is what consumers read.
   */
  traceparent: z
    .string()
    .regex(/^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/, 'must be a W3C traceparent')
    .optional(),
});
export type EventEnvelope = z.infer<typeof EventEnvelopeSchema>;
export type EventEnvelopeInput = z.input<typeof EventEnvelopeSchema>;
