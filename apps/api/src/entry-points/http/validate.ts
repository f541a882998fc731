import type { z } from 'zod';
import { AppError, type ProblemDetail } from '../../domain/app-error.ts';

/**
 * Parses request input with a contract schema, or throws a 400 listing every problem with its
 * path. `where` prefixes paths outside the body (`query.is_active`, `path.rule_id`).
 */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, where: 'body' | 'query' | 'path'): z.infer<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw AppError.validation(result.error.issues.flatMap((issue) => toProblems(issue, where)));
}

function toProblems(issue: z.core.$ZodIssue, where: 'body' | 'query' | 'path'): ProblemDetail[] {
  const prefix = where === 'body' ? [] : [where];
  const at = (...extra: PropertyKey[]) => [...prefix, ...issue.path, ...extra].map(String).join('.') || '(body)';
  // Each unknown field gets its own entry, so a client can see exactly what to remove.
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => ({ path: at(key), message: 'unknown field' }));
  }
  return [{ path: at(), message: issue.message }];
}
