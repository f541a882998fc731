import { Router } from 'express';
import { z } from 'zod';
import { IngestEventRequestSchema } from '@flowline/contracts';
import { formatTraceparent } from '@flowline/observability';
import type { EventIngestService } from '../../../domain/event-ingest-service.ts';
import { tenantOf } from '../request-context.ts';
import { parseInput } from '../validate.ts';
import type { RouteAccess } from '../security/route-access.ts';
import { SCOPES } from '../security/scopes.ts';

/** `POST /api/v1/events`: 202 only once the broker holds the event. */
export function eventsRoutes(events: EventIngestService, access: RouteAccess): Router {
  const router = Router();
  router.post('/', ...access(SCOPES.publish), async (req, res) => {
    parseInput(z.strictObject({}), req.query, 'query');
    const event = await events.ingest(tenantOf(req), parseInput(IngestEventRequestSchema, req.body, 'body'), req.correlationId, formatTraceparent(req.trace));
    req.log.info({ event_id: event.id, trigger_id: event.type }, 'event accepted');
    res.status(202).json({ id: event.id });
  });
  return router;
}
