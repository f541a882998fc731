import type { Rule } from '@flowline/contracts';

/** A rule stored before rules had versions reads as version 1. */
export function withRuleVersion(rule: Rule): Rule {
  return rule.version === undefined ? { ...rule, version: 1 } : rule;
}
