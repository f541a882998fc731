import type { NextFunction, Request, Response } from 'express';
import { boundField, type Logger } from '@flowline/observability';
import { AppError } from '../../domain/app-error.ts';

/** body-parser's error types, mapped to what the client did wrong. */
const BODY_PARSER_ERRORS: Record<string, () => AppError> = {
  'entity.too.large': () => new AppError('payload_too_large', 413, 'Payload too large', { detail: 'The body is over 256 KiB.' }),
  'entity.parse.failed': () =>
    AppError.validation([{ path: '(body)', message: 'malformed JSON' }], 'The body is not valid JSON.'),
  'encoding.unsupported': () => new AppError('unsupported_media_type', 415, 'Unsupported media type', { detail: 'Unsupported content encoding.' }),
  'charset.unsupported': () => new AppError('unsupported_media_type', 415, 'Unsupported media type', { detail: 'Unsupported charset.' }),
};

function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  const type = (error as { type?: unknown } | null)?.type;
  if (typeof type === 'string' && BODY_PARSER_ERRORS[type]) return BODY_PARSER_ERRORS[type]();
  // Other client errors express raises itself (http-errors style, e.g. a path with broken
  // %-encoding): a 4xx with a fixed message, never the library's text.
  const status = (error as { status?: unknown } | null)?.status;
  if (typeof status === 'number' && status >= 400 && status < 500 && (error as { expose?: unknown }).expose !== false) {
    return new AppError('bad_request', status, 'Bad request', { detail: 'The request could not be read.', cause: error });
  }
  return new AppError('internal_error', 500, 'Internal server error', { cause: error });
}

/**
 * The one place errors become responses: an RFC 9457 `application/problem+json` document.
 * A 5xx says nothing about internals, only the correlation id that finds its log line.
 */
export function errorHandler(logger: Logger) {
  return (error: unknown, req: Request, res: Response, _next: NextFunction): void => {
    const appError = toAppError(error);
    const log = req.log ?? logger;
    if (appError.status >= 500) {
      const cause = appError === error ? appError.cause : error;
      log[appError.catastrophic ? 'fatal' : 'error']({ err: cause ?? appError, code: appError.code }, 'request failed');
    } else {
      log.info({ code: appError.code, status: appError.status }, 'request refused');
    }
    if (res.headersSent) return;
    res
      .status(appError.status)
      .set({ 'content-type': 'application/problem+json', ...appError.headers })
      .send(
        JSON.stringify({
          type: `urn:flowline:problem:${appError.code}`,
          title: appError.message,
          status: appError.status,
          detail: appError.detail ?? appError.message,
          instance: req.originalUrl,
          code: appError.code,
          correlation_id: req.correlationId,
          ...(appError.errors ? { errors: appError.errors } : {}),
        }),
      );
  };
}

export function notFoundRoute(req: Request): never {
  throw new AppError('route_not_found', 404, 'Not found', { detail: `No route for ${req.method} ${boundField(req.path)}.` });
}
