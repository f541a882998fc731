import type { z } from 'zod';
import { AppError, problemsOf } from '../../domain/app-error.ts';

/**
 * Parses request input with a contract schema, or throws a 400 listing every problem with its
 * path. `where` prefixes paths outside the body (`query.is_active`, `path.rule_id`).
 */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, where: 'body' | 'query' | 'path'): z.infer<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw AppError.validation(problemsOf(result.error, where === 'body' ? [] : [where]));
}
