import { readPath } from './read-path.ts';

const PLACEHOLDER = /\{\{\s*([A-Za-z0-9_$-]+(?:\.[A-Za-z0-9_$-]+)*)\s*\}\}/g;

export interface Rendered<T> {
  value: T;
  /** Paths that had no value and rendered as empty, for the execution's notes. */
  missing: string[];
}

/** Renders `{{path}}` placeholders; a missing (or null) value renders as empty and is reported. */
export function renderTemplate(template: string, context: Record<string, unknown>): Rendered<string> {
  const missing: string[] = [];
  const value = template.replace(PLACEHOLDER, (_, path: string) => {
    const found = readPath(context, path);
    if (found === undefined || found === null) {
      missing.push(path);
      return '';
    }
    return typeof found === 'object' ? JSON.stringify(found) : String(found);
  });
  return { value, missing };
}

/** Renders every string parameter of an action; other values are kept as they are. */
export function renderParameters<P extends Record<string, unknown>>(parameters: P, context: Record<string, unknown>): Rendered<P> {
  const missing = new Set<string>();
  const value: Record<string, unknown> = {};
  for (const [key, raw] of Object.entries(parameters)) {
    if (typeof raw !== 'string') {
      value[key] = raw;
      continue;
    }
    const rendered = renderTemplate(raw, context);
    rendered.missing.forEach((path) => missing.add(path));
    value[key] = rendered.value;
  }
  return { value: value as P, missing: [...missing] };
}
