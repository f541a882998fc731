import { Router } from 'express';
import { z } from 'zod';
import { IngestEventRequestSchema, ListEventsQuerySchema } from '@flowline/contracts';
import { formatTraceparent } from '@flowline/observability';
import type { EventIngestService } from '../../../domain/event-ingest-service.ts';
import type { EventLogService } from '../../../domain/event-log-service.ts';
import { tenantOf } from '../request-context.ts';
import { parseInput } from '../validate.ts';

export const EventIdParams = z.strictObject({ event_id: z.uuid() });

/** `POST /api/v1/events` (202 only once the broker holds the event) and the event log. */
export function eventsRoutes(events: EventIngestService, eventLog: EventLogService): Router {
  const router = Router();
  router.post('/', async (req, res) => {
    parseInput(z.strictObject({}), req.query, 'query');
    const event = await events.ingest(tenantOf(req), parseInput(IngestEventRequestSchema, req.body, 'body'), req.correlationId, formatTraceparent(req.trace));
    req.log.info({ event_id: event.id, trigger_id: event.type }, 'event accepted');
    res.status(202).json({ id: event.id });
  });
  router.get('/', async (req, res) => {
    res.json(await eventLog.listEvents(tenantOf(req), parseInput(ListEventsQuerySchema, req.query, 'query')));
  });
  router.get('/:event_id', async (req, res) => {
    const { event_id } = parseInput(EventIdParams, req.params, 'path');
    parseInput(z.strictObject({}), req.query, 'query');
    res.json(await eventLog.getEvent(tenantOf(req), event_id));
  });
  return router;
}
