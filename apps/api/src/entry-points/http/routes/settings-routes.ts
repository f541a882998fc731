import { Router } from 'express';
import { z } from 'zod';
import { AutomationSettingsSchema } from '@flowline/contracts';
import type { SettingsStore } from '@flowline/storage';
import { tenantOf } from '../request-context.ts';
import { parseInput } from '../validate.ts';

const NoQuery = z.strictObject({});

/** `GET` and `PUT /api/v1/automation/settings`: the tenant's automation settings. */
export function settingsRoutes(settings: SettingsStore): Router {
  const router = Router();
  router.get('/', async (req, res) => {
    parseInput(NoQuery, req.query, 'query');
    res.json(await settings.get(tenantOf(req)));
  });
  router.put('/', async (req, res) => {
    parseInput(NoQuery, req.query, 'query');
    const next = parseInput(AutomationSettingsSchema, req.body, 'body');
    await settings.put(tenantOf(req), next);
    req.log.info(next, 'automation settings updated');
    res.json(next);
  });
  return router;
}
