import { Router } from 'express';
import { z } from 'zod';
import { CreateRuleRequestSchema, ListRulesQuerySchema, ToggleRuleQuerySchema, UpdateRuleRequestSchema } from '@flowline/contracts';
import type { RuleService } from '../../../domain/rule-service.ts';
import { sendList } from '../bounded-list.ts';
import { tenantOf } from '../request-context.ts';
import { parseInput } from '../validate.ts';
import type { RouteAccess } from '../security/route-access.ts';
import { SCOPES } from '../security/scopes.ts';

export const RuleIdParams = z.object({ rule_id: z.uuid('must be a rule id (UUID)') });
const NoQuery = z.strictObject({});

/** `/api/v1/automation/rules`, at the spec's paths. */
export function rulesRoutes(rules: RuleService, access: RouteAccess): Router {
  const router = Router();
  const ruleId = (params: unknown) => parseInput(RuleIdParams, params, 'path').rule_id;

  router.post('/', ...access(SCOPES.write), async (req, res) => {
    parseInput(NoQuery, req.query, 'query');
    const rule = await rules.create(tenantOf(req), parseInput(CreateRuleRequestSchema, req.body, 'body'));
    req.log.info({ rule_id: rule.id }, 'rule created');
    res.status(201).location(`${req.baseUrl}/${rule.id}`).json(rule);
  });

  router.get('/', ...access(SCOPES.read), async (req, res) => {
    sendList(res, await rules.list(tenantOf(req), parseInput(ListRulesQuerySchema, req.query, 'query')));
  });

  router.get('/:rule_id', ...access(SCOPES.read), async (req, res) => {
    parseInput(NoQuery, req.query, 'query');
    res.json(await rules.get(tenantOf(req), ruleId(req.params)));
  });

  router.put('/:rule_id/toggle', ...access(SCOPES.write), async (req, res) => {
    const { is_active } = parseInput(ToggleRuleQuerySchema, req.query, 'query');
    const rule = await rules.toggle(tenantOf(req), ruleId(req.params), is_active);
    req.log.info({ rule_id: rule.id, is_active }, 'rule toggled');
    res.json(rule);
  });

  router.put('/:rule_id', ...access(SCOPES.write), async (req, res) => {
    parseInput(NoQuery, req.query, 'query');
    const rule = await rules.update(tenantOf(req), ruleId(req.params), parseInput(UpdateRuleRequestSchema, req.body, 'body'));
    req.log.info({ rule_id: rule.id }, 'rule updated');
    res.json(rule);
  });

  router.delete('/:rule_id', ...access(SCOPES.write), async (req, res) => {
    parseInput(NoQuery, req.query, 'query');
    const id = ruleId(req.params);
    await rules.delete(tenantOf(req), id);
    req.log.info({ rule_id: id }, 'rule deleted');
    res.status(204).end();
  });

  return router;
}
