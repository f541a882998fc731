import { Router } from 'express';
import { z } from 'zod';
import { formatTraceparent } from '@flowline/observability';
import { CreateEntityRequestSchemas, ListEntitiesQuerySchema, PatchEntityRequestSchemas, type EntityType } from '@flowline/contracts';
import type { EntityService } from '../../../domain/entity-service.ts';
import { tenantOf } from '../request-context.ts';
import { parseInput } from '../validate.ts';
import type { RouteAccess } from '../security/route-access.ts';
import { SCOPES } from '../security/scopes.ts';
import { entityCursorAfter } from '@flowline/storage';
import { sendPage } from '../bounded-list.ts';

export const IdParams = z.object({ id: z.uuid('must be an id (UUID)') });
const NoQuery = z.strictObject({});

/** POST, GET (list, one) and PATCH for one entity type, e.g. at `/api/v1/crm/contacts`. */
export function entityRoutes(entities: EntityService, type: EntityType, access: RouteAccess): Router {
  const router = Router();
  const idOf = (params: unknown) => parseInput(IdParams, params, 'path').id;

  router.post('/', ...access(SCOPES.publish), async (req, res) => {
    parseInput(NoQuery, req.query, 'query');
    const entity = await entities.create(tenantOf(req), type, parseInput(CreateEntityRequestSchemas[type], req.body, 'body'), req.correlationId, formatTraceparent(req.trace));
    req.log.info({ entity_type: type, entity_id: entity.id }, 'entity created');
    res.status(201).location(`${req.baseUrl}/${entity.id}`).json(entity);
  });

  router.get('/', ...access(SCOPES.read), async (req, res) => {
    sendPage(res, await entities.list(tenantOf(req), type, parseInput(ListEntitiesQuerySchema, req.query, 'query')), entityCursorAfter);
  });

  router.get('/:id', ...access(SCOPES.read), async (req, res) => {
    parseInput(NoQuery, req.query, 'query');
    res.json(await entities.get(tenantOf(req), type, idOf(req.params)));
  });

  router.patch('/:id', ...access(SCOPES.publish), async (req, res) => {
    parseInput(NoQuery, req.query, 'query');
    const id = idOf(req.params);
    const entity = await entities.patch(tenantOf(req), type, id, parseInput(PatchEntityRequestSchemas[type], req.body, 'body'), req.correlationId, formatTraceparent(req.trace));
    req.log.info({ entity_type: type, entity_id: id, version: entity.version }, 'entity updated');
    res.json(entity);
  });

  return router;
}
