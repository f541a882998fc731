import { z } from 'zod';
import { MAX_ACTIONS_PER_RULE, MAX_CONDITIONS_PER_RULE } from '@flowline/contracts';
import { optional } from './env-value.ts';

export type AuthMode = 'jwt' | 'trusted-header';

const count = (fallback: number) => z.coerce.number().int().min(0).default(fallback);

/**
 * Authentication and per-tenant limits. Kept apart from the rest of the configuration
 * because `AUTH_MODE`'s default depends on `NODE_ENV` (see {@link resolveAuthMode}).
 */
export const SecurityConfigShape = {
  /** `jwt` (bearer tokens) or `trusted-header` (a gateway sets X-Tenant-ID). Defaults to `jwt` when NODE_ENV=production. */
  AUTH_MODE: optional(z.enum(['jwt', 'trusted-header'])),
  /** HS256 shared secret, at least 32 characters. */
  JWT_SECRET: optional(z.string().min(32, 'must be at least 32 characters')),
  /** JWKS endpoint for RS256/ES256 tokens. */
  JWT_JWKS_URL: optional(z.url({ protocol: /^https?$/ })),
  /** Checked against the token's `iss` when set. */
  JWT_ISSUER: optional(z.string().min(1)),
  /** Checked against the token's `aud` when set. */
  JWT_AUDIENCE: optional(z.string().min(1)),
  /** The claim that names the tenant. */
  JWT_TENANT_CLAIM: z.string().min(1).default('tenant_id'),
  /** Clock skew allowed on `exp`/`nbf`/`iat`. */
  JWT_CLOCK_TOLERANCE_S: count(30),
  /** Longest lifetime (`exp - iat`) a token may have; longer ones are refused. */
  JWT_MAX_TOKEN_LIFETIME_S: z.coerce.number().int().min(1).default(86_400),
  /** Window of the per-tenant rate limits. */
  RATE_LIMIT_WINDOW_MS: z.coerce.number().int().min(1000).default(60_000),
  /** Rule changes (POST/PUT/DELETE) per tenant per window; 0 turns the limit off. */
  RATE_LIMIT_WRITES: count(600),
  /** Events published (POST /api/v1/events) per tenant per window; 0 turns the limit off. */
  RATE_LIMIT_EVENTS: count(12_000),
  /** Reads (every GET under /api/v1) per tenant per window; 0 turns the limit off. */
  RATE_LIMIT_READS: count(6000),
  /** Rules one tenant may hold; 0 turns the cap off. */
  MAX_RULES_PER_TENANT: count(1000),
  /** Conditions one rule may have; at most the contract's 50. */
  MAX_CONDITIONS_PER_RULE: z.coerce.number().int().min(0).max(MAX_CONDITIONS_PER_RULE).default(MAX_CONDITIONS_PER_RULE),
  /** Actions one rule may have; at most the contract's 20. */
  MAX_ACTIONS_PER_RULE: z.coerce.number().int().min(1).max(MAX_ACTIONS_PER_RULE).default(MAX_ACTIONS_PER_RULE),
  /** A request still unanswered after this gets a 503 problem document. */
  REQUEST_TIMEOUT_MS: z.coerce.number().int().min(100).default(15_000),
  /** A request whose headers have not all arrived by then gets 408 and its socket is closed. */
  HEADERS_TIMEOUT_MS: z.coerce.number().int().min(100).default(10_000),
  /** Comma-separated origins allowed by CORS; empty (the default) sends no CORS headers at all. */
  CORS_ORIGINS: z
    .string()
    .default('')
    .transform((v) => v.split(',').map((o) => o.trim()).filter(Boolean)),
};

/** `AUTH_MODE` from `NODE_ENV` when unset, and why that mode cannot run (jwt without a key source). */
export function resolveAuthMode(config: { NODE_ENV: string; AUTH_MODE?: AuthMode | undefined; JWT_SECRET?: string | undefined; JWT_JWKS_URL?: string | undefined }): {
  mode: AuthMode;
  problem?: string;
} {
  const mode = config.AUTH_MODE ?? (config.NODE_ENV === 'production' ? 'jwt' : 'trusted-header');
  if (mode === 'jwt' && !config.JWT_SECRET && !config.JWT_JWKS_URL) {
    return {
      mode,
      problem:
        'AUTH_MODE: jwt (the default when NODE_ENV=production) needs JWT_SECRET (HS256) or JWT_JWKS_URL (RS256/ES256); ' +
        'set one, or AUTH_MODE=trusted-header behind a gateway that sets X-Tenant-ID, or NODE_ENV=development for a local trial',
    };
  }
  return { mode };
}
