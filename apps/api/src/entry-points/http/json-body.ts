import express, { type NextFunction, type Request, type Response } from 'express';
import { AppError } from '../../domain/app-error.ts';

export const MAX_BODY_BYTES = 256 * 1024;
const MAX_DEPTH = 32;
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** JSON bodies only, at most 256 KiB; anything else with a body is refused with 415. */
export function jsonBody() {
  const parse = express.json({ limit: MAX_BODY_BYTES, strict: true, type: 'application/json' });
  return [
    (req: Request, _res: Response, next: NextFunction) => {
      const hasBody = Number(req.get('content-length') ?? 0) > 0 || req.get('transfer-encoding') !== undefined;
      if (hasBody && !req.is('application/json')) {
        throw new AppError('unsupported_media_type', 415, 'Unsupported media type', { detail: 'Send the body as application/json.' });
      }
      next();
    },
    parse,
    guardParsedJson,
  ];
}

/**
 * Refuses keys that would reach an object's prototype once copied (`__proto__`, `constructor`)
 * and nesting deep enough to be an attack rather than data.
 */
function guardParsedJson(req: Request, _res: Response, next: NextFunction): void {
  const problem = inspect(req.body, 0, []);
  if (problem) throw AppError.validation([problem]);
  next();
}

function inspect(value: unknown, depth: number, path: string[]): { path: string; message: string } | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  if (depth > MAX_DEPTH) return { path: path.join('.'), message: `nested deeper than ${MAX_DEPTH} levels` };
  for (const key of Object.keys(value)) {
    if (FORBIDDEN_KEYS.has(key)) return { path: [...path, key].join('.'), message: 'forbidden key' };
    const found = inspect((value as Record<string, unknown>)[key], depth + 1, [...path, key]);
    if (found) return found;
  }
  return undefined;
}
