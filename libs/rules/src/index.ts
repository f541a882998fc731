export { Catalogue, catalogue } from './catalogue.ts';
export type { ModuleDefinition, TriggerDefinition } from './modules/trigger-definition.ts';
export { evaluateConditions, type Evaluation } from './evaluate-conditions.ts';
export { renderTemplate, renderParameters, type Rendered } from './render-template.ts';
export { readPath } from './read-path.ts';
export { checkRuleAgainstCatalogue, checkEventData, type ValidationIssue } from './validation.ts';
export { compileConditions, compileParameters, compileTemplate, type CompiledConditions, type CompiledParameters } from './compile-rule.ts';
