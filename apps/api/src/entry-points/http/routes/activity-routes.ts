import { Router } from 'express';
import { ListExecutionsQuerySchema, ListQuerySchema } from '@flowline/contracts';
import { entityCursorAfter, type Stores } from '@flowline/storage';
import type { EventLogService } from '../../../domain/event-log-service.ts';
import { sendList, sendPage } from '../bounded-list.ts';
import { tenantOf } from '../request-context.ts';
import { parseInput } from '../validate.ts';
import type { RouteAccess } from '../security/route-access.ts';
import { SCOPES } from '../security/scopes.ts';

/** What the automations did, per tenant and newest first: executions, notifications, tasks. */
export function activityRoutes(stores: Stores, eventLog: EventLogService, access: RouteAccess): Router {
  const router = Router();
  router.get('/automation/executions', ...access(SCOPES.read), async (req, res) => {
    sendPage(res, await eventLog.listExecutions(tenantOf(req), parseInput(ListExecutionsQuerySchema, req.query, 'query')), entityCursorAfter);
  });
  router.get('/notifications', ...access(SCOPES.read), async (req, res) => {
    sendList(res, await stores.notifications.list(tenantOf(req), parseInput(ListQuerySchema, req.query, 'query')));
  });
  router.get('/tasks', ...access(SCOPES.read), async (req, res) => {
    sendList(res, await stores.tasks.list(tenantOf(req), parseInput(ListQuerySchema, req.query, 'query')));
  });
  return router;
}
