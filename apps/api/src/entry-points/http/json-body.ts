import express, { type NextFunction, type Request, type Response } from 'express';
import { findUnsafeJson } from '@flowline/contracts';
import { MAX_MESSAGE_BYTES } from '@flowline/messaging';
import { AppError } from '../../domain/app-error.ts';

/** The same bound as an event published straight to the exchange gets. */
export const MAX_BODY_BYTES = MAX_MESSAGE_BYTES;

/** JSON bodies only, at most 256 KiB; anything else with a body is refused with 415. */
export function jsonBody() {
  // application/merge-patch+json: PATCH of a rule is a JSON merge patch (RFC 7396).
  const types = ['application/json', 'application/merge-patch+json'];
  const parse = express.json({ limit: MAX_BODY_BYTES, strict: true, type: types });
  return [
    (req: Request, _res: Response, next: NextFunction) => {
      const hasBody = Number(req.get('content-length') ?? 0) > 0 || req.get('transfer-encoding') !== undefined;
      if (hasBody && !req.is(types)) {
        throw new AppError('unsupported_media_type', 415, 'Unsupported media type', { detail: 'Send the body as application/json.' });
      }
      next();
    },
    parse,
    guardParsedJson,
  ];
}

/** Refuses prototype keys and attack-deep nesting anywhere in a body (see findUnsafeJson). */
function guardParsedJson(req: Request, _res: Response, next: NextFunction): void {
  const problem = findUnsafeJson(req.body);
  if (problem) throw AppError.validation([{ path: problem.path.join('.'), message: problem.message }]);
  next();
}
