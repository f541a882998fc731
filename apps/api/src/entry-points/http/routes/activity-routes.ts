import { Router } from 'express';
import { ListExecutionsQuerySchema, ListQuerySchema } from '@flowline/contracts';
import type { Stores } from '@flowline/storage';
import type { EventLogService } from '../../../domain/event-log-service.ts';
import { tenantOf } from '../request-context.ts';
import { parseInput } from '../validate.ts';

/** What the automations did, per tenant and newest first: executions, notifications, tasks. */
export function activityRoutes(stores: Stores, eventLog: EventLogService): Router {
  const router = Router();
  router.get('/automation/executions', async (req, res) => {
    res.json(await eventLog.listExecutions(tenantOf(req), parseInput(ListExecutionsQuerySchema, req.query, 'query')));
  });
  router.get('/notifications', async (req, res) => {
    res.json(await stores.notifications.list(tenantOf(req), parseInput(ListQuerySchema, req.query, 'query')));
  });
  router.get('/tasks', async (req, res) => {
    res.json(await stores.tasks.list(tenantOf(req), parseInput(ListQuerySchema, req.query, 'query')));
  });
  return router;
}
