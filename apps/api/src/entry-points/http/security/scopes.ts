import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { AppError } from '../../../domain/app-error.ts';

export const SCOPES = {
  read: 'automation:read',
  write: 'automation:write',
  publish: 'events:publish',
  /** Operators only: the dead letters of every tenant (/admin/v1). Never granted by default. */
  adminDeadLetters: 'admin:dead-letters',
} as const;
export type Scope = (typeof SCOPES)[keyof typeof SCOPES];
/** What a tenant's caller may hold: everything but the operator scopes. */
export const ALL_SCOPES: Scope[] = [SCOPES.read, SCOPES.write, SCOPES.publish];
/** Every scope a token may carry; `flowline token` refuses any other. */
export const KNOWN_SCOPES: Scope[] = Object.values(SCOPES);

/** Marks the handler that checks a route's scope, so a test can tell every route has one. */
export const REQUIRED_SCOPE = Symbol('flowline.requiredScope');
export type ScopeGuard = RequestHandler & { [REQUIRED_SCOPE]: Scope };

/**
 * 403 unless the authenticated caller holds `scope`. Declared on the route itself, so it runs
 * only once express has chosen that route: however the path is spelled (case, slashes, dot
 * segments, `;` parameters), the route that answers is the route whose scope is checked.
 */
export function requireScope(scope: Scope): ScopeGuard {
  const guard = (req: Request, _res: Response, next: NextFunction): void => {
    if (!req.scopes?.has(scope)) {
      throw new AppError('insufficient_scope', 403, 'Forbidden', {
        detail: `This request needs the scope '${scope}'.`,
        headers: { 'www-authenticate': `Bearer realm="flowline", error="insufficient_scope", scope="${scope}"` },
      });
    }
    next();
  };
  return Object.assign(guard, { [REQUIRED_SCOPE]: scope });
}
