import { Router } from 'express';
import { z } from 'zod';
import { ListScheduledQuerySchema } from '@flowline/contracts';
import { scheduleCursorAfter, type Stores } from '@flowline/storage';
import { sendPage } from '../bounded-list.ts';
import { AppError } from '../../../domain/app-error.ts';
import { withCursor } from '../../../domain/with-cursor.ts';
import { tenantOf } from '../request-context.ts';
import { parseInput } from '../validate.ts';
import type { RouteAccess } from '../security/route-access.ts';
import { SCOPES } from '../security/scopes.ts';

export const CommandParams = z.object({ command_id: z.uuid('must be an action command id (UUID)') });
const NoQuery = z.strictObject({});

/** `/api/v1/scheduled`: the tenant's pending scheduled actions, soonest first, and cancelling one. */
export function scheduledRoutes({ schedule, executions }: Pick<Stores, 'schedule' | 'executions'>, access: RouteAccess): Router {
  const router = Router();
  router.get('/', ...access(SCOPES.read), async (req, res) => {
    const query = parseInput(ListScheduledQuerySchema, req.query, 'query');
    sendPage(res, await withCursor(() => schedule.listPending(tenantOf(req), query)), scheduleCursorAfter);
  });
  router.delete('/:command_id', ...access(SCOPES.write), async (req, res) => {
    parseInput(NoQuery, req.query, 'query');
    const { command_id } = parseInput(CommandParams, req.params, 'path');
    const tenant = tenantOf(req);
    const reason = 'cancelled through the api';
    const outcome = await schedule.cancel(tenant, command_id, reason);
    if (outcome === 'not_pending') throw AppError.notFound(`Pending scheduled action ${command_id}`);
    if (outcome === 'running') {
      throw new AppError('scheduled_action_running', 409, 'Scheduled action is being run', { detail: 'It is due and being published now; it can no longer be cancelled.' });
    }
    const item = await schedule.get(tenant, command_id);
    if (item) {
      const result = { command_id: item.id, execution_id: item.execution_id, action_index: item.action_index, status: 'cancelled', error: reason, completed_at: new Date().toISOString() } as const;
      await executions.recordActionResult(tenant, result);
    }
    req.log.info({ command_id }, 'scheduled action cancelled');
    res.status(204).end();
  });
  return router;
}
