import { Router } from 'express';
import { z } from 'zod';
import { ModuleTypeSchema } from '@flowline/contracts';
import { CONTEXT_FIELDS, sampleData, type Catalogue } from '@flowline/rules';
import { parseInput } from '../validate.ts';
import type { RouteAccess } from '../security/route-access.ts';
import { SCOPES } from '../security/scopes.ts';

export const ListTriggersQuery = z.strictObject({ module_type: ModuleTypeSchema.optional() });

/** `GET /api/v1/automation/triggers`: what the management modules offer. */
export function catalogueRoutes(catalogue: Catalogue, access: RouteAccess): Router {
  const router = Router();
  router.get('/triggers', ...access(SCOPES.read), (req, res) => {
    const { module_type } = parseInput(ListTriggersQuery, req.query, 'query');
    res.json(
      catalogue.triggers(module_type).map((t) => ({
        id: t.id,
        module_type: t.module_type,
        description: t.description,
        required_data: t.required_data,
        data: t.data,
        sample_data: sampleData(t.data),
        placeholders: [...t.data, ...CONTEXT_FIELDS].map((f) => `{{${f.name}}}`),
      })),
    );
  });
  return router;
}
