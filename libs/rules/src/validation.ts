import { MAX_CONDITION_NESTING, type Condition, type ModuleType } from '@flowline/contracts';
import type { Catalogue } from './catalogue.ts';
import type { ModuleDefinition } from './modules/trigger-definition.ts';
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
  checkConditions(module, rule.conditions ?? [], 'conditions', 1, issues);
  const leaves = countLeaves(rule.conditions ?? []);
  if (leaves > MAX_LEAF_CONDITIONS) {
    issues.push({ path: 'conditions', message: `a rule may hold at most ${MAX_LEAF_CONDITIONS} conditions in all, groups included (this one has ${leaves})` });
  }
  return issues;
}

/**
 * Every condition is evaluated and recorded for every event, so nested groups must not
 * multiply a rule into thousands of conditions.
 */
export const MAX_LEAF_CONDITIONS = 200;

function countLeaves(conditions: readonly Condition[]): number {
  let count = 0;
  for (const condition of conditions) {
    count += condition.type === 'all' || condition.type === 'any' ? countLeaves((condition as { conditions: Condition[] }).conditions) : 1;
  }
  return count;
}

/** Each condition, inside groups too, must be one the module offers, on a field it tracks. */
function checkConditions(module: ModuleDefinition, conditions: readonly Condition[], path: string, depth: number, issues: ValidationIssue[]): void {
  conditions.forEach((condition, index) => {
    const at = `${path}.${index}`;
    if (!module.conditionTypes.includes(condition.type)) {
      issues.push({
        path: `${at}.type`,
        message: `condition type '${condition.type}' is not available in module '${module.module_type}' (available: ${module.conditionTypes.join(', ')})`,
      });
      return;
    }
    if (condition.type === 'all' || condition.type === 'any') {
      if (depth >= MAX_CONDITION_NESTING) {
        issues.push({ path: at, message: `condition groups may nest at most ${MAX_CONDITION_NESTING} levels deep` });
        return;
      }
      checkConditions(module, (condition as { conditions: Condition[] }).conditions, `${at}.conditions`, depth + 1, issues);
    } else if ((condition.type === 'changed' || condition.type === 'changed_to' || condition.type === 'changed_from') && !module.changeFields.includes(condition.field)) {
      issues.push({
        path: `${at}.field`,
        message: `module '${module.module_type}' tracks changes of ${module.changeFields.join(', ')}, not '${condition.field}'`,
      });
    }
  });
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
