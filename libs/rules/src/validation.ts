import type { Condition, ModuleType } from '@flowline/contracts';
import type { Catalogue } from './catalogue.ts';
import { readPath } from './read-path.ts';

/** One problem with an input, at a path such as `conditions.0.type`. */
export interface ValidationIssue {
  path: string;
  message: string;
}

/** The checks zod cannot make alone: those that depend on what the modules offer. */
export function checkRuleAgainstCatalogue(
  catalogue: Catalogue,
  rule: { module_type: ModuleType; trigger_id?: string; conditions?: readonly Condition[] },
): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const module = catalogue.module(rule.module_type);
  if (!module) return [{ path: 'module_type', message: `unknown module_type '${rule.module_type}'` }];

  if (rule.trigger_id !== undefined) {
    const trigger = catalogue.trigger(rule.trigger_id);
    if (!trigger) {
      issues.push({ path: 'trigger_id', message: `unknown trigger '${rule.trigger_id}'` });
    } else if (trigger.module_type !== rule.module_type) {
      issues.push({
        path: 'trigger_id',
        message: `trigger '${rule.trigger_id}' belongs to module '${trigger.module_type}', not '${rule.module_type}'`,
      });
    }
  }
  rule.conditions?.forEach((condition, index) => {
    if (!module.conditionTypes.includes(condition.type)) {
      issues.push({
        path: `conditions.${index}.type`,
        message: `condition type '${condition.type}' is not available in module '${rule.module_type}' (available: ${module.conditionTypes.join(', ')})`,
      });
    }
  });
  return issues;
}

/** Checks event data against its trigger's required data. */
export function checkEventData(catalogue: Catalogue, triggerId: string, data: Record<string, unknown>): ValidationIssue[] {
  const trigger = catalogue.trigger(triggerId);
  if (!trigger) return [{ path: 'type', message: `unknown trigger '${triggerId}'` }];
  const result = trigger.dataSchema.safeParse(data);
  if (result.success) return [];
  return result.error.issues.map((issue) => ({
    path: ['data', ...issue.path].join('.'),
    message: readPath(data, issue.path.map(String)) === undefined ? `required by trigger '${triggerId}'` : issue.message,
  }));
}
