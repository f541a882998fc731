/**
 * Reads a dotted path (`contact.address.city`, `items.0.sku`) from event data. Only own
 * properties are followed, so a path can never reach `__proto__` or inherited members.
 * Returns undefined when any step is missing.
 */
export function readPath(source: unknown, path: string | readonly string[]): unknown {
  const segments = typeof path === 'string' ? path.split('.') : path;
  let current: unknown = source;
  for (const segment of segments) {
    if (current === null || typeof current !== 'object' || !Object.hasOwn(current, segment)) {
      return undefined;
    }
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
}
