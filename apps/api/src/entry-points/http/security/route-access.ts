import type { RequestHandler } from 'express';
import { jsonBody } from '../json-body.ts';
import { rateLimiters, type RateClass } from './rate-limits.ts';
import { requireScope, SCOPES, type Scope } from './scopes.ts';
import type { LimitOptions } from './security-options.ts';

/** Which per-tenant limit a scope's requests count against, unless a route says otherwise. */
const RATE_CLASS_OF: Record<Scope, RateClass> = {
  [SCOPES.read]: 'reads',
  [SCOPES.write]: 'writes',
  [SCOPES.publish]: 'events',
  [SCOPES.adminDeadLetters]: 'writes',
};

/**
 * The handlers every /api/v1 route starts with, declared next to the route: its scope check,
 * then its rate limit, then the JSON body parser, in that order, so a caller without the scope
 * gets a 403 before its body is read or its tenant's limit is counted.
 */
export type RouteAccess = (scope: Scope, rateClass?: RateClass) => RequestHandler[];

export function routeAccess(limits: LimitOptions): RouteAccess {
  const limiters = rateLimiters(limits);
  const body = jsonBody();
  return (scope, rateClass = RATE_CLASS_OF[scope]) => {
    const limiter = limiters[rateClass];
    return [requireScope(scope), ...(limiter ? [limiter] : []), ...body];
  };
}
