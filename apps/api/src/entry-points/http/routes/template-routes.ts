import { Router } from 'express';
import { z } from 'zod';
import { CreateRuleRequestSchema, ModuleTypeSchema } from '@flowline/contracts';
import { instantiateTemplate, SYSTEM_TEMPLATES } from '@flowline/rules';
import { AppError } from '../../../domain/app-error.ts';
import type { RuleService } from '../../../domain/rule-service.ts';
import { actorOf, tenantOf } from '../request-context.ts';
import { parseInput } from '../validate.ts';
import type { RouteAccess } from '../security/route-access.ts';
import { SCOPES } from '../security/scopes.ts';

export const ListTemplatesQuery = z.strictObject({ module_type: ModuleTypeSchema.optional() });
export const FromTemplateRequest = z.strictObject({
  template_id: z.string().min(1).max(100),
  parameters: z.record(z.string(), z.unknown()).default({}),
  name: z.string().trim().min(1).max(200).optional(),
});

/** `GET /api/v1/automation/templates` and `POST /api/v1/automation/rules/from-template`. */
export function templateRoutes(rules: RuleService, access: RouteAccess): Router {
  const router = Router();

  router.get('/templates', ...access(SCOPES.read), (req, res) => {
    const { module_type } = parseInput(ListTemplatesQuery, req.query, 'query');
    res.json(SYSTEM_TEMPLATES.filter((t) => module_type === undefined || t.module_type === module_type));
  });

  router.post('/rules/from-template', ...access(SCOPES.write), async (req, res) => {
    parseInput(z.strictObject({}), req.query, 'query');
    const request = parseInput(FromTemplateRequest, req.body, 'body');
    const template = SYSTEM_TEMPLATES.find((t) => t.id === request.template_id);
    if (!template) throw AppError.validation([{ path: 'template_id', message: `unknown template '${request.template_id}'; see GET /api/v1/automation/templates` }]);
    const { rule, issues } = instantiateTemplate(template, request.parameters);
    if (!rule) throw AppError.validation(issues, `The parameters do not fit template '${template.id}'.`);
    // Parsed like any posted rule, so a parameter value that makes the rule invalid is a 400 too.
    const { rule: created, warnings } = await rules.create(tenantOf(req), actorOf(req), parseInput(CreateRuleRequestSchema, { ...rule, ...(request.name ? { name: request.name } : {}) }, 'body'));
    req.log.info({ rule_id: created.id, template_id: template.id }, 'rule created from template');
    res.status(201).location(`${req.baseUrl}/rules/${created.id}`).json({ ...created, warnings });
  });

  return router;
}
