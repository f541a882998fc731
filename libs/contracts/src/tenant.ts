import { z } from 'zod';

/**
 * A tenant id as it travels through Flowline. Branded so that a store method cannot be
 * handed a raw string that never went through {@link TenantIdSchema}.
 */
export const TenantIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'must match ^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$')
  .brand<'TenantId'>();

export type TenantId = z.infer<typeof TenantIdSchema>;

/** Throws a ZodError when the value is not a valid tenant id. */
export function parseTenantId(value: unknown): TenantId {
  return TenantIdSchema.parse(value);
}
