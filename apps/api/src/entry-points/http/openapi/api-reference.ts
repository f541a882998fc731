import { Router } from 'express';
import type { AuthMode } from '@flowline/config';
import { renderDocsPage } from './docs-page.ts';
import { buildOpenApiDocument } from './openapi-document.ts';

/** `GET /api/v1/openapi.json` and `GET /docs`: public, so tools can read the contract before they hold a token. */
export function apiReference(mode: AuthMode): Router {
  const document = buildOpenApiDocument(mode);
  const json = JSON.stringify(document);
  const html = renderDocsPage(document);
  const router = Router();
  router.get('/api/v1/openapi.json', (_req, res) => {
    res.type('application/json').send(json);
  });
  router.get('/docs', (_req, res) => {
    res.type('html').send(html);
  });
  return router;
}
