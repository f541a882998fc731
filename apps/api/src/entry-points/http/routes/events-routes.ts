import { Router } from 'express';
import { z } from 'zod';
import { IngestEventRequestSchema, ListEventsQuerySchema } from '@flowline/contracts';
import { formatTraceparent } from '@flowline/observability';
import type { EventIngestService } from '../../../domain/event-ingest-service.ts';
import type { EventLogService } from '../../../domain/event-log-service.ts';
import { entityCursorAfter } from '@flowline/storage';
import { sendPage } from '../bounded-list.ts';
import { tenantOf } from '../request-context.ts';
import { parseInput } from '../validate.ts';
import type { RouteAccess } from '../security/route-access.ts';
import { SCOPES } from '../security/scopes.ts';

export const EventIdParams = z.strictObject({ event_id: z.uuid() });

/** `POST /api/v1/events` (202 only once the broker holds the event) and the event log. */
export function eventsRoutes(events: EventIngestService, eventLog: EventLogService, access: RouteAccess): Router {
  const router = Router();
  router.post('/', ...access(SCOPES.publish), async (req, res) => {
    parseInput(z.strictObject({}), req.query, 'query');
    const event = await events.ingest(tenantOf(req), parseInput(IngestEventRequestSchema, req.body, 'body'), req.correlationId, formatTraceparent(req.trace));
    req.log.info({ event_id: event.id, trigger_id: event.type }, 'event accepted');
    res.status(202).json({ id: event.id });
  });
  router.get('/', ...access(SCOPES.read), async (req, res) => {
    sendPage(res, await eventLog.listEvents(tenantOf(req), parseInput(ListEventsQuerySchema, req.query, 'query')), (record) => entityCursorAfter({ created_at: record.received_at, id: record.id }));
  });
  router.get('/:event_id', ...access(SCOPES.read), async (req, res) => {
    const { event_id } = parseInput(EventIdParams, req.params, 'path');
    parseInput(z.strictObject({}), req.query, 'query');
    res.json(await eventLog.getEvent(tenantOf(req), event_id));
  });
  return router;
}
