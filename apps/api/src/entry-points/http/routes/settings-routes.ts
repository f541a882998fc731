import { Router } from 'express';
import { z } from 'zod';
import { AutomationSettingsSchema } from '@flowline/contracts';
import type { SettingsStore } from '@flowline/storage';
import type { AuditLog } from '../../../domain/audit-log.ts';
import { actorOf, tenantOf } from '../request-context.ts';
import { parseInput } from '../validate.ts';

const NoQuery = z.strictObject({});

/** `GET` and `PUT /api/v1/automation/settings`: the tenant's automation settings. */
export function settingsRoutes(settings: SettingsStore, audit: AuditLog): Router {
  const router = Router();
  router.get('/', async (req, res) => {
    parseInput(NoQuery, req.query, 'query');
    res.json(await settings.get(tenantOf(req)));
  });
  router.put('/', async (req, res) => {
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
