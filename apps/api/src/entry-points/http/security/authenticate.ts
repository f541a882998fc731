import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { TenantIdSchema } from '@flowline/contracts';
import { AppError } from '../../../domain/app-error.ts';
import { tenantContext } from '../request-context.ts';
import { InvalidTokenError, JwtVerifier, KeySourceUnavailableError } from './jwt-verifier.ts';
import { ALL_SCOPES } from './scopes.ts';
import type { AuthOptions } from './security-options.ts';

declare module 'express-serve-static-core' {
  interface Request {
    /** What the caller may do; set by {@link authenticate}. */
    scopes?: ReadonlySet<string>;
  }
}

const REALM = 'Bearer realm="flowline"';

/**
 * Establishes who is calling: in `jwt` mode from a verified bearer token (the tenant is a
 * claim; an `X-Tenant-ID` that disagrees is refused), in `trusted-header` mode from
 * `X-Tenant-ID` alone, with every scope, because a gateway in front has already decided.
 */
export function authenticate(options: AuthOptions): RequestHandler {
  if (options.mode === 'trusted-header') {
    return (req, res, next) => {
      req.scopes = new Set(ALL_SCOPES);
      req.actor = 'trusted-header';
      tenantContext(req, res, next);
    };
  }
  const verifier = new JwtVerifier(options);
  return async (req: Request, _res: Response, next: NextFunction) => {
    const token = bearerToken(req.get('authorization'));
    let payload;
    try {
      payload = await verifier.verify(token);
    } catch (error) {
      if (error instanceof InvalidTokenError) throw unauthorized(error.message, 'invalid_token');
      if (error instanceof KeySourceUnavailableError) {
        throw new AppError('auth_unavailable', 503, 'Service unavailable', {
          detail: 'Tokens cannot be verified right now; retry later.',
          cause: error.cause,
          headers: { 'retry-after': '5' },
        });
      }
      throw error;
    }
    const tenant = TenantIdSchema.safeParse(payload[options.tenantClaim]);
    if (!tenant.success) throw unauthorized(`the token has no valid '${options.tenantClaim}' claim`, 'invalid_token');
    const header = req.get('x-tenant-id');
    if (header !== undefined && header !== tenant.data) {
      throw new AppError('tenant_mismatch', 403, 'Forbidden', { detail: "X-Tenant-ID does not match the token's tenant." });
    }
    req.tenantId = tenant.data;
    req.scopes = scopesOf(payload);
    // Named on rule versions and audit entries; a token without a subject is still someone.
    req.actor = typeof payload.sub === 'string' && payload.sub !== '' ? payload.sub.slice(0, 200) : 'token without subject';
    req.log = req.log.child({ tenant_id: tenant.data, subject: typeof payload.sub === 'string' ? payload.sub : undefined });
    next();
  };
}

function bearerToken(header: string | undefined): string {
  if (header === undefined) throw unauthorized('Send a bearer token in the Authorization header.');
  const match = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/i.exec(header.trim());
  if (!match) throw unauthorized('The Authorization header must be "Bearer <token>".', 'invalid_request');
  return match[1]!;
}

/** OAuth's `scope` (space-separated) or `scp` (list), whichever the issuer uses. */
function scopesOf(payload: Record<string, unknown>): Set<string> {
  const scope = payload['scope'];
  const scp = payload['scp'];
  const list = typeof scope === 'string' ? scope.split(' ') : Array.isArray(scp) ? scp.filter((s) => typeof s === 'string') : [];
  return new Set(list.filter(Boolean));
}

function unauthorized(detail: string, error?: 'invalid_token' | 'invalid_request'): AppError {
  const challenge = error ? `${REALM}, error="${error}", error_description="${detail.replaceAll('"', "'")}"` : REALM;
  return new AppError('unauthorized', 401, 'Unauthorized', { detail, headers: { 'www-authenticate': challenge } });
}
