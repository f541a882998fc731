import { Router } from 'express';
import { z } from 'zod';
import { AutomationSettingsSchema } from '@flowline/contracts';
import type { SettingsStore } from '@flowline/storage';
import type { AuditLog } from '../../../domain/audit-log.ts';
import { actorOf, tenantOf } from '../request-context.ts';
import { parseInput } from '../validate.ts';
import type { RouteAccess } from '../security/route-access.ts';
import { SCOPES } from '../security/scopes.ts';

const NoQuery = z.strictObject({});

/** `GET` and `PUT /api/v1/automation/settings`: the tenant's automation settings. */
export function settingsRoutes(settings: SettingsStore, audit: AuditLog, access: RouteAccess): Router {
  const router = Router();
  router.get('/', ...access(SCOPES.read), async (req, res) => {
    parseInput(NoQuery, req.query, 'query');
    res.json(await settings.get(tenantOf(req)));
  });
  router.put('/', ...access(SCOPES.write), async (req, res) => {
    parseInput(NoQuery, req.query, 'query');
    const next = parseInput(AutomationSettingsSchema, req.body, 'body');
    const tenant = tenantOf(req);
    const before = await settings.get(tenant);
    await settings.put(tenant, next);
    await audit.settingsChanged(tenant, actorOf(req), before, next);
    req.log.info(next, 'automation settings updated');
    res.json(next);
  });
  return router;
}
