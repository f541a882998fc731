import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { rateLimit, type RateLimitInfo, type RateLimitRequestHandler } from 'express-rate-limit';
import { AppError } from '../../../domain/app-error.ts';
import { tenantOf } from '../request-context.ts';
import { requiredScope, SCOPES } from './scopes.ts';
import type { LimitOptions } from './security-options.ts';

/**
 * Per-tenant fixed-window limits on rule changes and on event publishing, counted in memory
 * per api process. Keyed by the authenticated tenant only, so one tenant at its limit gets
 * 429s while every other tenant is served exactly as before; reads are not limited here.
 */
export function tenantRateLimits(limits: LimitOptions): RequestHandler {
  const writes = limiter('writes', limits.writesPerWindow, limits.windowMs);
  const events = limiter('events', limits.eventsPerWindow, limits.windowMs);
  return (req: Request, res: Response, next: NextFunction) => {
    const scope = requiredScope(req.method, req.path);
    const chosen = scope === SCOPES.publish ? events : scope === SCOPES.write ? writes : undefined;
    if (!chosen) return next();
    return chosen(req, res, next);
  };
}

function limiter(what: string, limit: number, windowMs: number): RateLimitRequestHandler | undefined {
  if (limit === 0) return undefined;
  return rateLimit({
    windowMs,
    limit,
    keyGenerator: (req) => tenantOf(req),
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    // The key is the tenant, never the client address, so proxy headers do not matter here.
    validate: { xForwardedForHeader: false, trustProxy: false, ip: false },
    handler: (req: Request & { rateLimit?: RateLimitInfo }, _res, next) => {
      const resetTime = req.rateLimit?.resetTime?.getTime() ?? Date.now() + windowMs;
      next(
        new AppError('rate_limited', 429, 'Too many requests', {
          detail: `This tenant has used its ${limit} ${what} per ${Math.round(windowMs / 1000)} s; retry after the time in Retry-After.`,
          headers: { 'retry-after': String(Math.max(1, Math.ceil((resetTime - Date.now()) / 1000))) },
        }),
      );
    },
  });
}
