import { Router } from 'express';
import { ListExecutionsQuerySchema, ListQuerySchema } from '@flowline/contracts';
import { entityCursorAfter } from '@flowline/storage';
import type { EventLogService } from '../../../domain/event-log-service.ts';
import { sendListPage, sendPage } from '../bounded-list.ts';
import { tenantOf } from '../request-context.ts';
import { parseInput } from '../validate.ts';
import type { RouteAccess } from '../security/route-access.ts';
import { SCOPES } from '../security/scopes.ts';

/** What the automations did, per tenant and newest first: executions, notifications, tasks. */
export function activityRoutes(eventLog: EventLogService, access: RouteAccess): Router {
  const router = Router();
  router.get('/automation/executions', ...access(SCOPES.read), async (req, res) => {
    sendPage(res, await eventLog.listExecutions(tenantOf(req), parseInput(ListExecutionsQuerySchema, req.query, 'query')), entityCursorAfter);
  });
  router.get('/notifications', ...access(SCOPES.read), async (req, res) => {
    const { shape, ...page } = parseInput(ListQuerySchema, req.query, 'query');
    sendListPage(req, res, await eventLog.listNotifications(tenantOf(req), page), entityCursorAfter, shape);
  });
  router.get('/tasks', ...access(SCOPES.read), async (req, res) => {
    const { shape, ...page } = parseInput(ListQuerySchema, req.query, 'query');
    sendListPage(req, res, await eventLog.listTasks(tenantOf(req), page), entityCursorAfter, shape);
  });
  return router;
}
