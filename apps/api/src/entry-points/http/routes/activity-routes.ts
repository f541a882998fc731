import { Router } from 'express';
import { ListExecutionsQuerySchema, ListQuerySchema } from '@flowline/contracts';
import type { Stores } from '@flowline/storage';
import { sendList } from '../bounded-list.ts';
import { tenantOf } from '../request-context.ts';
import { parseInput } from '../validate.ts';
import type { RouteAccess } from '../security/route-access.ts';
import { SCOPES } from '../security/scopes.ts';

/** What the automations did, per tenant and newest first: executions, notifications, tasks. */
export function activityRoutes(stores: Stores, access: RouteAccess): Router {
  const router = Router();
  router.get('/automation/executions', ...access(SCOPES.read), async (req, res) => {
    sendList(res, await stores.executions.list(tenantOf(req), parseInput(ListExecutionsQuerySchema, req.query, 'query')));
  });
  router.get('/notifications', ...access(SCOPES.read), async (req, res) => {
    sendList(res, await stores.notifications.list(tenantOf(req), parseInput(ListQuerySchema, req.query, 'query')));
  });
  router.get('/tasks', ...access(SCOPES.read), async (req, res) => {
    sendList(res, await stores.tasks.list(tenantOf(req), parseInput(ListQuerySchema, req.query, 'query')));
  });
  return router;
}
