import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { CorrelationIdSchema, TenantIdSchema, type TenantId } from '@flowline/contracts';
import { continueTrace, formatTraceparent, traceFields, TRACEPARENT, type Logger, type TraceContext } from '@flowline/observability';
import { AppError } from '../../domain/app-error.ts';

declare module 'express-serve-static-core' {
  interface Request {
    correlationId: string;
    /** This request's span: the caller's `traceparent` continued, or a new trace. */
    trace: TraceContext;
    log: Logger;
    tenantId?: TenantId;
    /** Who is calling, for rule versions and the audit log: the token's subject, or `trusted-header`. */
    actor?: string;
  }
}

/**
 * Gives every request a correlation id (the caller's `X-Correlation-ID` if sane), a trace span
 * (continuing the caller's W3C `traceparent`, else a new trace), and a logger carrying both. The
 * response's `traceparent` names the request's span, so a caller without one learns its trace id.
 */
export function correlation(logger: Logger) {
  return (req: Request, res: Response, next: NextFunction) => {
    const offered = req.get('x-correlation-id');
    req.correlationId = offered && CorrelationIdSchema.safeParse(offered).success ? offered : randomUUID();
    req.trace = continueTrace(req.get(TRACEPARENT));
    req.log = logger.child({ correlation_id: req.correlationId, ...traceFields(req.trace) });
    res.setHeader('x-correlation-id', req.correlationId);
    res.setHeader(TRACEPARENT, formatTraceparent(req.trace));
    next();
  };
}

/**
 * The tenant middleware: every /api/v1 request names its tenant in `X-Tenant-ID`. It is the
 * only source of the tenant; bodies and queries never are.
 */
export function tenantContext(req: Request, _res: Response, next: NextFunction): void {
  const header = req.get('x-tenant-id');
  if (header === undefined) {
    throw AppError.validation([{ path: 'header.x-tenant-id', message: 'required' }], 'Every /api/v1 request must name its tenant in X-Tenant-ID.');
  }
  const parsed = TenantIdSchema.safeParse(header);
  if (!parsed.success) {
    throw AppError.validation([{ path: 'header.x-tenant-id', message: parsed.error.issues[0]?.message ?? 'invalid' }]);
  }
  req.tenantId = parsed.data;
  req.log = req.log.child({ tenant_id: parsed.data });
  next();
}

/** The tenant set by {@link tenantContext}; a route mounted outside it is a programming error. */
export function tenantOf(req: Request): TenantId {
  if (!req.tenantId) throw new Error('tenantContext middleware did not run for this route');
  return req.tenantId;
}

/** Who made a change: the token's subject, or `trusted-header` when a gateway vouched for the tenant. */
export function actorOf(req: Request): string {
  return req.actor ?? 'trusted-header';
}
