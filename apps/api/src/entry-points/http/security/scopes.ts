import type { NextFunction, Request, Response } from 'express';
import { AppError } from '../../../domain/app-error.ts';

export const SCOPES = {
  read: 'automation:read',
  write: 'automation:write',
  publish: 'events:publish',
} as const;
export type Scope = (typeof SCOPES)[keyof typeof SCOPES];
export const ALL_SCOPES: Scope[] = Object.values(SCOPES);

/**
 * The scope a request under /api/v1 needs, decided by method and path alone so that a route
 * added later is covered too: reads need `automation:read`; what feeds events in (publishing
 * one, or writing a CRM/Sales record, which raises its triggers) `events:publish`; every other
 * change (rules, settings) `automation:write`.
 */
export function requiredScope(method: string, rawPath: string): Scope {
  const m = method.toUpperCase();
  // Express matches routes whatever their case, so `/EVENTS` reaches the events route: the
  // scope must be decided on the same terms, or changing case would skip it.
  const path = rawPath.toLowerCase();
  if (m === 'GET' || m === 'HEAD') return SCOPES.read;
  // A dry run reads the rule and writes nothing.
  if (m === 'POST' && /^\/automation\/rules\/test\/?$/.test(path)) return SCOPES.read;
  if (m === 'POST' && /^\/events\/?$/.test(path)) return SCOPES.publish;
  if (/^\/(crm|sales)\//.test(path)) return SCOPES.publish;
  return SCOPES.write;
}

/** 403 unless the authenticated caller holds the scope this request needs. */
export function authorize(req: Request, _res: Response, next: NextFunction): void {
  const needed = requiredScope(req.method, req.path);
  if (!req.scopes?.has(needed)) {
    throw new AppError('insufficient_scope', 403, 'Forbidden', {
      detail: `This request needs the scope '${needed}'.`,
      headers: { 'www-authenticate': `Bearer realm="flowline", error="insufficient_scope", scope="${needed}"` },
    });
  }
  next();
}
