import type { Request } from 'express';
import { rateLimit, type RateLimitInfo, type RateLimitRequestHandler } from 'express-rate-limit';
import { AppError } from '../../../domain/app-error.ts';
import { tenantOf } from '../request-context.ts';
import type { LimitOptions } from './security-options.ts';

/** The per-tenant budgets a route can count against (see route-access.ts). */
export type RateClass = 'reads' | 'writes' | 'events';

/**
 * Per-tenant fixed-window limits on reads, on rule and settings changes and on event
 * publishing, counted in memory per api process. Keyed by the authenticated tenant only, so one
 * tenant at its limit gets 429s while every other tenant is served exactly as before. A class
 * whose limit is 0 has no limiter.
 */
export function rateLimiters(limits: LimitOptions): Record<RateClass, RateLimitRequestHandler | undefined> {
  return {
    reads: limiter('reads', limits.readsPerWindow, limits.windowMs),
    writes: limiter('writes', limits.writesPerWindow, limits.windowMs),
    events: limiter('events', limits.eventsPerWindow, limits.windowMs),
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
