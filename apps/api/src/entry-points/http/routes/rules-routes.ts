import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { CreateRuleRequestSchema, ListQuerySchema, ListRulesQuerySchema, ReplaceRuleRequestSchema, RuleTestRequestSchema, RuleVersionNumberSchema, ToggleRuleQuerySchema, type Rule } from '@flowline/contracts';
import { AppError } from '../../../domain/app-error.ts';
import type { ChangeContext, RuleService } from '../../../domain/rule-service.ts';
import { entityCursorAfter, versionCursorAfter } from '@flowline/storage';
import { MAX_LIST_RESPONSE_BYTES, sendListPage } from '../bounded-list.ts';
import { actorOf, tenantOf } from '../request-context.ts';
import { parseInput } from '../validate.ts';
import type { RouteAccess } from '../security/route-access.ts';
import { SCOPES } from '../security/scopes.ts';

export const RuleIdParams = z.object({ rule_id: z.uuid('must be a rule id (UUID)') });
export const RuleVersionParams = RuleIdParams.extend({
  version: z.string().regex(/^[1-9][0-9]{0,14}$/, 'must be a version number such as 3').transform(Number).pipe(RuleVersionNumberSchema),
});
/** A merge patch is an object; `null` values remove fields, and the patched rule is checked whole. */
export const MergePatchBody = z
  .record(z.string(), z.unknown())
  .refine((patch) => Object.keys(patch).some((key) => key !== 'version'), 'a merge patch must name at least one field to change');
const NoQuery = z.strictObject({});

/** `/api/v1/automation/rules`, at the spec's paths, plus the dry run and the history. */
export function rulesRoutes(rules: RuleService, access: RouteAccess): Router {
  const router = Router();
  const ruleId = (params: unknown) => parseInput(RuleIdParams, params, 'path').rule_id;
  const context = (req: Request): ChangeContext => ({ actor: actorOf(req), ifMatch: ifMatchVersion(req.get('if-match')) });
  const sendRule = (res: Response, rule: Rule, body: object = rule) => res.set('etag', etagOf(rule)).json(body);

  router.post('/', ...access(SCOPES.write), async (req, res) => {
    parseInput(NoQuery, req.query, 'query');
    const { rule, warnings } = await rules.create(tenantOf(req), actorOf(req), parseInput(CreateRuleRequestSchema, req.body, 'body'));
    req.log.info({ rule_id: rule.id, warnings: warnings.length }, 'rule created');
    sendRule(res.status(201).location(`${req.baseUrl}/${rule.id}`), rule, { ...rule, warnings });
  });

  // Before '/:rule_id' routes; a dry run writes nothing, so it needs only automation:read.
  router.post('/test', ...access(SCOPES.read), async (req, res) => {
    parseInput(NoQuery, req.query, 'query');
    res.json(await rules.test(tenantOf(req), parseInput(RuleTestRequestSchema, req.body, 'body')));
  });

  router.get('/', ...access(SCOPES.read), async (req, res) => {
    const { shape, ...filter } = parseInput(ListRulesQuerySchema, req.query, 'query');
    // The array answer always held every rule: its clients that send no `limit` keep getting them all.
    const all = shape === 'array' && req.query['limit'] === undefined;
    sendListPage(req, res, await (all ? rules.listAll(tenantOf(req), filter, MAX_LIST_RESPONSE_BYTES) : rules.list(tenantOf(req), filter)), entityCursorAfter, shape);
  });

  router.get('/:rule_id', ...access(SCOPES.read), async (req, res) => {
    parseInput(NoQuery, req.query, 'query');
    sendRule(res, await rules.get(tenantOf(req), ruleId(req.params)));
  });

  router.put('/:rule_id/toggle', ...access(SCOPES.write), async (req, res) => {
    const { is_active } = parseInput(ToggleRuleQuerySchema, req.query, 'query');
    const rule = await rules.toggle(tenantOf(req), ruleId(req.params), is_active, context(req));
    req.log.info({ rule_id: rule.id, is_active, version: rule.version }, 'rule toggled');
    sendRule(res, rule);
  });

  router.put('/:rule_id', ...access(SCOPES.write), async (req, res) => {
    parseInput(NoQuery, req.query, 'query');
    const { rule, warnings } = await rules.replace(tenantOf(req), ruleId(req.params), parseInput(ReplaceRuleRequestSchema, req.body, 'body'), context(req));
    req.log.info({ rule_id: rule.id, version: rule.version, warnings: warnings.length }, 'rule replaced');
    sendRule(res, rule, { ...rule, warnings });
  });

  router.patch('/:rule_id', ...access(SCOPES.write), async (req, res) => {
    parseInput(NoQuery, req.query, 'query');
    const { rule, warnings } = await rules.patch(tenantOf(req), ruleId(req.params), parseInput(MergePatchBody, req.body, 'body'), context(req));
    req.log.info({ rule_id: rule.id, version: rule.version, warnings: warnings.length }, 'rule patched');
    sendRule(res, rule, { ...rule, warnings });
  });

  router.delete('/:rule_id', ...access(SCOPES.write), async (req, res) => {
    parseInput(NoQuery, req.query, 'query');
    const id = ruleId(req.params);
    await rules.delete(tenantOf(req), id, actorOf(req));
    req.log.info({ rule_id: id }, 'rule deleted');
    res.status(204).end();
  });

  router.get('/:rule_id/versions', ...access(SCOPES.read), async (req, res) => {
    const { shape, ...page } = parseInput(ListQuerySchema, req.query, 'query');
    sendListPage(req, res, await rules.versions(tenantOf(req), ruleId(req.params), page), versionCursorAfter, shape);
  });

  router.get('/:rule_id/versions/:version', ...access(SCOPES.read), async (req, res) => {
    parseInput(NoQuery, req.query, 'query');
    const { rule_id, version } = parseInput(RuleVersionParams, req.params, 'path');
    res.json(await rules.version(tenantOf(req), rule_id, version));
  });

  return router;
}

/** A rule's ETag is its version, so If-Match can carry the version a client read. */
export function etagOf(rule: Pick<Rule, 'version'>): string {
  return `"${rule.version}"`;
}

/** The version named by If-Match (`"3"`, weak `W/"3"` too); undefined for none or `*`. */
function ifMatchVersion(header: string | undefined): number | undefined {
  if (header === undefined || header.trim() === '*') return undefined;
  const match = /^\s*(?:W\/)?"(\d{1,15})"\s*$/.exec(header);
  if (!match) throw AppError.validation([{ path: 'header.if-match', message: 'must be one ETag this api gave out, such as "3"' }]);
  return Number(match[1]);
}
