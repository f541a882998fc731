import { compileParameters, compileTemplate } from './compile-rule.ts';

export interface Rendered<T> {
  value: T;
  /** Paths that had no value and rendered as empty, for the execution's notes. */
  missing: string[];
}

/** Renders `{{path}}` placeholders; a missing (or null) value renders as empty and is reported. */
export function renderTemplate(template: string, context: Record<string, unknown>): Rendered<string> {
  const missing: string[] = [];
  const value = compileTemplate(template)(context, missing);
  return { value, missing };
}

/** Renders every string parameter of an action; other values are kept as they are. */
export function renderParameters<P extends Record<string, unknown>>(parameters: P, context: Record<string, unknown>): Rendered<P> {
  return compileParameters(parameters)(context);
}
