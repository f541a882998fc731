export { Catalogue, catalogue } from './catalogue.ts';
export type { ModuleDefinition, TriggerDefinition } from './modules/trigger-definition.ts';
export { evaluateConditions, type Evaluation } from './evaluate-conditions.ts';
export { renderTemplate, renderParameters, type Rendered } from './render-template.ts';
export { readPath } from './read-path.ts';
export { checkRuleAgainstCatalogue, checkEventData, type ValidationIssue } from './validation.ts';
export { eventsForChange, type ChangeOrigin } from './modules/entity-events.ts';
export { SYSTEM_TEMPLATES, type RuleTemplate, type TemplateParameter } from './templates/system-templates.ts';
export { instantiateTemplate } from './templates/instantiate-template.ts';
