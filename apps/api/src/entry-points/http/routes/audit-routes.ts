import { Router } from 'express';
import { ListEntitiesQuerySchema } from '@flowline/contracts';
import { withCursor } from '../../../domain/with-cursor.ts';
import type { AuditLog } from '../../../domain/audit-log.ts';
import { tenantOf } from '../request-context.ts';
import type { RouteAccess } from '../security/route-access.ts';
import { SCOPES } from '../security/scopes.ts';
import { parseInput } from '../validate.ts';

/** `GET /api/v1/audit`: the tenant's rule and settings changes, newest first, a page at a time. */
export function auditRoutes(audit: AuditLog, access: RouteAccess): Router {
  const router = Router();
  router.get('/', ...access(SCOPES.read), async (req, res) => {
    const page = parseInput(ListEntitiesQuerySchema, req.query, 'query');
    res.json(await withCursor(() => audit.list(tenantOf(req), page)));
  });
  return router;
}
