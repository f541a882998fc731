import cors from 'cors';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import helmet from 'helmet';
import type { Logger } from '@flowline/observability';
import { AppError } from '../../../domain/app-error.ts';
import { errorHandler } from '../error-handler.ts';
import type { ApiSecurity } from './security-options.ts';

/**
 * Headers and guards for every response: helmet's defaults, CORS only for the configured
 * origins (none by default, so no CORS headers at all), and an answer within the timeout.
 */
export function hardening(security: ApiSecurity, logger: Logger): RequestHandler[] {
  return [
    helmet(),
    ...(security.corsOrigins.length > 0
      ? [
          cors({
            origin: security.corsOrigins,
            methods: ['GET', 'POST', 'PUT', 'DELETE'],
            allowedHeaders: ['authorization', 'content-type', 'x-tenant-id', 'x-correlation-id', 'traceparent', 'tracestate'],
            exposedHeaders: ['x-correlation-id', 'location', 'retry-after'],
            maxAge: 600,
          }),
        ]
      : []),
    requestTimeout(security.limits.requestTimeoutMs, logger),
  ];
}

/**
 * Answers when a request is not done within `ms`: 408, closing the connection, while its body
 * is still arriving (a slow client must not hold the socket); else 503, since the fault is ours.
 * Whatever the handler writes later is dropped.
 */
function requestTimeout(ms: number, logger: Logger): RequestHandler {
  const respond = errorHandler(logger);
  return (req: Request, res: Response, next: NextFunction) => {
    const timer = setTimeout(() => {
      if (res.headersSent) return;
      if (!req.complete) {
        res.once('finish', () => req.socket.destroy());
        respond(
          new AppError('request_timeout', 408, 'Request timeout', {
            detail: `The request body did not arrive within ${ms} ms.`,
            headers: { connection: 'close' },
          }),
          req,
          res,
          () => {},
        );
        return;
      }
      respond(
        new AppError('request_timeout', 503, 'Service unavailable', {
          detail: `The request was not answered within ${ms} ms; retry later.`,
          headers: { 'retry-after': '1' },
        }),
        req,
        res,
        () => {},
      );
    }, ms);
    timer.unref();
    res.once('close', () => clearTimeout(timer));
    res.once('finish', () => clearTimeout(timer));
    next();
  };
}
