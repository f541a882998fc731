/** Nesting deeper than this is an attack rather than data (it would blow the stack later). */
export const MAX_JSON_DEPTH = 32;
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * The first thing in parsed JSON that must not travel further: a key that would reach an
 * object's prototype once copied (`__proto__`, `constructor`, `prototype`), or nesting deeper
 * than {@link MAX_JSON_DEPTH}. Used on HTTP bodies and on event data from the exchange alike.
 */
export function findUnsafeJson(value: unknown, depth = 0, path: readonly string[] = []): { path: string[]; message: string } | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  if (depth > MAX_JSON_DEPTH) return { path: [...path], message: `nested deeper than ${MAX_JSON_DEPTH} levels` };
  for (const key of Object.keys(value)) {
    if (FORBIDDEN_KEYS.has(key)) return { path: [...path, key], message: 'forbidden key' };
    const found = findUnsafeJson((value as Record<string, unknown>)[key], depth + 1, [...path, key]);
    if (found) return found;
  }
  return undefined;
}
