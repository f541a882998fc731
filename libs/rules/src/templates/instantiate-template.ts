import { z } from 'zod';
import type { ValidationIssue } from '../validation.ts';
import type { RuleTemplate, TemplateParameter } from './system-templates.ts';

const PLACEHOLDER = /\[\[([a-z_]+)\]\]/g;
const WHOLE_PLACEHOLDER = /^\[\[([a-z_]+)\]\]$/;

function parameterSchema(parameter: TemplateParameter): z.ZodType {
  const base = parameter.type === 'number' ? z.number().finite() : parameter.type === 'email' ? z.email().max(320) : z.string().trim().min(1).max(200);
  return parameter.default === undefined ? base : z.preprocess((value) => value ?? parameter.default, base);
}

/**
 * The rule a template makes with these parameters (not yet checked as a rule: the caller
 * does that like for any other), or the issues with the parameters, at `parameters.<name>`.
 */
export function instantiateTemplate(template: RuleTemplate, parameters: unknown): { rule?: RuleTemplate['rule'] & Pick<RuleTemplate, 'module_type' | 'trigger_id'>; issues: ValidationIssue[] } {
  const schema = z.strictObject(Object.fromEntries(template.parameters.map((p) => [p.name, parameterSchema(p)])));
  const result = schema.safeParse(parameters ?? {});
  if (!result.success) {
    const issues = result.error.issues.flatMap((issue): ValidationIssue[] =>
      issue.code === 'unrecognized_keys'
        ? issue.keys.map((key) => ({ path: `parameters.${key}`, message: 'unknown parameter' }))
        : [{ path: ['parameters', ...issue.path].map(String).join('.'), message: issue.message }],
    );
    return { issues };
  }
  const values = result.data as Record<string, string | number>;
  const fill = (value: unknown): unknown => {
    if (typeof value === 'string') {
      const whole = WHOLE_PLACEHOLDER.exec(value);
      if (whole) return values[whole[1]!];
      // One pass: a parameter value that itself looks like [[x]] stays as written.
      return value.replace(PLACEHOLDER, (_, name: string) => String(values[name]));
    }
    if (Array.isArray(value)) return value.map(fill);
    if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fill(v)]));
    return value;
  };
  return { rule: { ...(fill(template.rule) as RuleTemplate['rule']), module_type: template.module_type, trigger_id: template.trigger_id }, issues: [] };
}
