/** The console's only way to the api: same origin, the caller's credentials on every request. */

export type Credentials = { mode: 'token'; token: string } | { mode: 'tenant'; tenant: string };

const STORAGE_KEY = 'flowline.console.credentials';

export function loadCredentials(): Credentials | null {
  try {
    const raw = sessionStorage.getItem(STORAGE_KEY);
    return raw ? (JSON.parse(raw) as Credentials) : null;
  } catch {
    return null;
  }
}

export function saveCredentials(credentials: Credentials | null): void {
  if (credentials) sessionStorage.setItem(STORAGE_KEY, JSON.stringify(credentials));
  else sessionStorage.removeItem(STORAGE_KEY);
}

export interface Problem {
  title?: string;
  detail?: string;
  code?: string;
  status?: number;
  correlation_id?: string;
  errors?: Array<{ path: string; message: string }>;
  [key: string]: unknown;
}

export class ApiError extends Error {
  readonly status: number;
  readonly problem: Problem;
  constructor(status: number, problem: Problem) {
    super(problem.detail ?? problem.title ?? `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
  }
  /** The server does not have this endpoint (an older or partial deployment). */
  get missing(): boolean {
    return (this.status === 404 && this.problem.code === 'route_not_found') || this.status === 405;
  }
}

export interface ApiResponse<T> {
  body: T;
  headers: Headers;
  status: number;
}

export async function request<T>(
  credentials: Credentials,
  method: string,
  path: string,
  options: { body?: unknown; headers?: Record<string, string> } = {},
): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
  if (credentials.mode === 'token') headers['authorization'] = `Bearer ${credentials.token}`;
  else headers['x-tenant-id'] = credentials.tenant;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`/api/v1${path}`, {
    method,
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await response.text();
  let body: unknown = undefined;
  if (text) {
    try {
      body = JSON.parse(text);
    } catch {
      body = { detail: text.slice(0, 300) };
    }
  }
  if (!response.ok) throw new ApiError(response.status, (body ?? { title: response.statusText }) as Problem);
  return { body: body as T, headers: response.headers, status: response.status };
}

/** A list answer, either a bare array (older servers) or `{items, next_cursor}`. */
export interface Page<T> {
  items: T[];
  next_cursor?: string | undefined;
}

export function asPage<T>(body: T[] | Page<T>): Page<T> {
  return Array.isArray(body) ? { items: body } : { items: body.items ?? [], next_cursor: body.next_cursor };
}

/**
 * Every item of a cursor list, read 500 at a time: for the lists the console shows whole and
 * filters in the browser (a tenant's rules, one rule's versions), which stay small.
 */
export async function allPages<T>(get: <B>(path: string) => Promise<B>, path: string): Promise<Page<T>> {
  const items: T[] = [];
  for (let cursor: string | undefined; ; ) {
    const page = asPage(await get<T[] | Page<T>>(`${path}${path.includes('?') ? '&' : '?'}${query({ limit: 500, cursor }).slice(1)}`));
    items.push(...page.items);
    if (page.next_cursor === undefined) return { items };
    cursor = page.next_cursor;
  }
}

export function query(params: Record<string, string | number | boolean | undefined>): string {
  const entries = Object.entries(params).filter(([, v]) => v !== undefined && v !== '');
  return entries.length ? `?${new URLSearchParams(entries.map(([k, v]) => [k, String(v)])).toString()}` : '';
}
