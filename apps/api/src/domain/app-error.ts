import { boundField } from '@flowline/observability';

/** Problems one validation answer lists; the rest are only counted. */
const MAX_LISTED_PROBLEMS = 20;
import type { z } from 'zod';

/** One problem with the input, at a path such as `conditions.0.type`. */
export interface ProblemDetail {
  path: string;
  message: string;
}

/** A zod error as problems, each path after `prefix` (`query`, `path`; none for the body). */
export function problemsOf(error: z.ZodError, prefix: readonly string[] = []): ProblemDetail[] {
  return error.issues.flatMap((issue) => {
    const at = (...extra: PropertyKey[]) => [...prefix, ...issue.path, ...extra].map(String).join('.') || '(body)';
    // Each unknown field gets its own entry, so a client can see exactly what to remove.
    if (issue.code === 'unrecognized_keys') return issue.keys.map((key) => ({ path: at(key), message: 'unknown field' }));
    return [{ path: at(), message: issue.message }];
  });
}

export interface AppErrorOptions {
  /** Shown to the client as `detail`. Never put internal messages here for 5xx. */
  detail?: string;
  errors?: ProblemDetail[];
  /** The process cannot go on safely (e.g. the store is corrupt); logged as fatal. */
  catastrophic?: boolean;
  cause?: unknown;
  headers?: Record<string, string>;
}

/**
 * The one error type the api raises on purpose: its code and status decide the response,
 * and the error handler turns it into an `application/problem+json` document.
 */
export class AppError extends Error {
  override readonly name = 'AppError';
  readonly code: string;
  readonly status: number;
  readonly detail: string | undefined;
  readonly errors: ProblemDetail[] | undefined;
  readonly catastrophic: boolean;
  readonly headers: Record<string, string>;

  constructor(code: string, status: number, title: string, options: AppErrorOptions = {}) {
    super(title, { cause: options.cause });
    this.code = code;
    this.status = status;
    this.errors = options.errors;
    this.catastrophic = options.catastrophic ?? false;
    this.headers = options.headers ?? {};
    this.detail = options.detail;
  }

  /**
   * At most {@link MAX_LISTED_PROBLEMS} problems, each cut short, and the count of the rest in
   * `detail`: a body with thousands of unknown keys gets a small answer, not a huge one.
   */
  static validation(errors: ProblemDetail[], detail = 'The request is not valid.'): AppError {
    const listed = errors.slice(0, MAX_LISTED_PROBLEMS).map((e) => ({ path: String(boundField(e.path)), message: String(boundField(e.message)) }));
    const rest = errors.length - listed.length;
    return new AppError('validation_failed', 400, 'Validation failed', {
      errors: listed,
      detail: rest > 0 ? `${detail} ${rest} more problems are not listed.` : detail,
    });
  }

  static tooLarge(detail: string): AppError {
    return new AppError('payload_too_large', 413, 'Payload too large', { detail });
  }

  static notFound(what: string): AppError {
    return new AppError('not_found', 404, 'Not found', { detail: `${what} was not found.` });
  }

  static brokerUnavailable(cause: unknown): AppError {
    return new AppError('broker_unavailable', 503, 'Service unavailable', {
      detail: 'The event could not be confirmed by the message broker; it was not accepted. Retry later.',
      cause,
      headers: { 'retry-after': '5' },
    });
  }
}
