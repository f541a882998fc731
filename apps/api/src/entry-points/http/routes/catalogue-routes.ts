import { Router } from 'express';
import type { Catalogue } from '@flowline/rules';
import { parseInput } from '../validate.ts';
import { ListTriggersQuerySchema as ListTriggersQuery } from './route-schemas.ts';

/** `GET /api/v1/automation/triggers`: what the management modules offer. */
export function catalogueRoutes(catalogue: Catalogue): Router {
  const router = Router();
  router.get('/triggers', (req, res) => {
    const { module_type } = parseInput(ListTriggersQuery, req.query, 'query');
    res.json(
      catalogue.triggers(module_type).map((t) => ({
        id: t.id,
        module_type: t.module_type,
        description: t.description,
        required_data: t.required_data,
      })),
    );
  });
  return router;
}
