import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { IsoDateTimeSchema } from './common.ts';
import { TenantIdSchema } from './tenant.ts';

/** A tenant's webhook signing secrets as stored: the current one and, for a while after a rotation, the one before. */
export const WebhookSecretsSchema = z.object({
  tenant_id: TenantIdSchema,
  current: z.object({ secret: z.string().min(32), created_at: IsoDateTimeSchema }),
  previous: z.object({ secret: z.string().min(32), expires_at: IsoDateTimeSchema }).optional(),
});
export type WebhookSecrets = z.infer<typeof WebhookSecretsSchema>;

/** Body of `POST /api/v1/automation/settings/webhook-secret` (create or rotate). */
export const RotateWebhookSecretRequestSchema = z.strictObject({
  /** How long the secret being replaced still signs requests alongside the new one. */
  grace_period_s: z.number().int().min(0).max(30 * 24 * 3600).default(24 * 3600),
});

/** What the api shows of the secrets: never more than a hint of them, except the new secret once, at creation. */
export const WebhookSecretViewSchema = z.object({
  secret_hint: z.string(),
  created_at: IsoDateTimeSchema,
  previous: z.object({ secret_hint: z.string(), expires_at: IsoDateTimeSchema }).optional(),
});
export const WebhookSecretCreatedSchema = WebhookSecretViewSchema.extend({ secret: z.string() });

/** The outcome of one webhook command, kept so that a redelivered command is never sent again once settled. */
export const WebhookDeliverySchema = z.object({
  id: z.uuid(),
  tenant_id: TenantIdSchema,
  state: z.enum(['delivering', 'succeeded', 'failed']),
  first_attempt_at: IsoDateTimeSchema,
  attempts: z.number().int().min(0),
  status: z.number().int().optional(),
  error: z.string().optional(),
  duration_ms: z.number().int().min(0).optional(),
  body_excerpt: z.string().optional(),
  updated_at: IsoDateTimeSchema,
});
export type WebhookDelivery = z.infer<typeof WebhookDeliverySchema>;

/** `secret…`: the first characters only, enough to tell two secrets apart. */
export function secretHint(secret: string): string {
  return `${secret.slice(0, 10)}…`;
}

/** A new signing secret: 32 random bytes, prefixed so that it is recognisable where it is kept. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64url')}`;
}
