import { loadConfig, type AuthMode, type Config } from '@flowline/config';

/** How the api authenticates callers and what it allows each tenant. */
export interface ApiSecurity {
  auth: AuthOptions;
  limits: LimitOptions;
  /** Origins allowed by CORS. @defaultValue [] (no CORS headers: browsers on other origins are refused) */
  corsOrigins: string[];
  /** Whether rules may give http:// webhook URLs (WEBHOOK_ALLOW_HTTP). @defaultValue false */
  webhookAllowHttp?: boolean;
}

export interface AuthOptions {
  mode: AuthMode;
  /** HS256 shared secret. */
  secret?: string | undefined;
  /** JWKS endpoint for RS256/ES256. */
  jwksUrl?: string | undefined;
  issuer?: string | undefined;
  audience?: string | undefined;
  /** @defaultValue 'tenant_id' */
  tenantClaim: string;
  /** @defaultValue 30 */
  clockToleranceSeconds: number;
  /** Longest `exp - iat` accepted. @defaultValue 86400 (24 h) */
  maxTokenLifetimeSeconds: number;
}

export interface LimitOptions {
  /** @defaultValue 60_000 */
  windowMs: number;
  /** Rule changes per tenant per window; 0 = no limit. @defaultValue 600 */
  writesPerWindow: number;
  /** Events per tenant per window; 0 = no limit. @defaultValue 12_000 */
  eventsPerWindow: number;
  /** Reads (every GET) per tenant per window; 0 = no limit. @defaultValue 6000 */
  readsPerWindow: number;
  /** 0 = no cap. @defaultValue 1000 */
  maxRulesPerTenant: number;
  /** At most the contract's 50. @defaultValue 50 */
  maxConditionsPerRule: number;
  /** At most the contract's 20. @defaultValue 20 */
  maxActionsPerRule: number;
  /** @defaultValue 15_000 */
  requestTimeoutMs: number;
  /** A request whose headers are not all in by then gets 408 and its socket closed. @defaultValue 10_000 */
  headersTimeoutMs: number;
}

/** The api's security settings from the process configuration. */
export function apiSecurityFromConfig(config: Config): ApiSecurity {
  return {
    auth: {
      mode: config.AUTH_MODE,
      secret: config.JWT_SECRET,
      jwksUrl: config.JWT_JWKS_URL,
      issuer: config.JWT_ISSUER,
      audience: config.JWT_AUDIENCE,
      tenantClaim: config.JWT_TENANT_CLAIM,
      clockToleranceSeconds: config.JWT_CLOCK_TOLERANCE_S,
      maxTokenLifetimeSeconds: config.JWT_MAX_TOKEN_LIFETIME_S,
    },
    limits: {
      windowMs: config.RATE_LIMIT_WINDOW_MS,
      writesPerWindow: config.RATE_LIMIT_WRITES,
      eventsPerWindow: config.RATE_LIMIT_EVENTS,
      readsPerWindow: config.RATE_LIMIT_READS,
      maxRulesPerTenant: config.MAX_RULES_PER_TENANT,
      maxConditionsPerRule: config.MAX_CONDITIONS_PER_RULE,
      maxActionsPerRule: config.MAX_ACTIONS_PER_RULE,
      requestTimeoutMs: config.REQUEST_TIMEOUT_MS,
      headersTimeoutMs: config.HEADERS_TIMEOUT_MS,
    },
    corsOrigins: config.CORS_ORIGINS,
    webhookAllowHttp: config.WEBHOOK_ALLOW_HTTP,
  };
}

/** What an api created without explicit settings uses: the development defaults (trusted header). */
export function defaultApiSecurity(): ApiSecurity {
  return apiSecurityFromConfig(loadConfig({ NODE_ENV: 'development' }));
}
