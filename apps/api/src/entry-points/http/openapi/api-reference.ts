import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { Router } from 'express';
import type { AuthMode } from '@flowline/config';
import { buildOpenApiDocument } from './openapi-document.ts';

/*
 * The reference is Swagger UI (swagger-ui-dist, served from this process, never a CDN): a
 * well-kept renderer with method badges, linked schemas, examples and "try it out", instead of
 * a page we would have to keep up ourselves. The page and its start-up script are files of
 * our own, so helmet's Content-Security-Policy (scripts from 'self' only) needs no exception.
 */
const SWAGGER_UI = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));

const ASSETS = new Set(['swagger-ui.css', 'swagger-ui-bundle.js', 'favicon-32x32.png']);

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Flowline API reference</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css">
<link rel="icon" type="image/png" href="/docs/assets/favicon-32x32.png">
</head>
<body>
<main id="reference"><noscript>The reference needs JavaScript; the raw document is at <a href="/api/v1/openapi.json">/api/v1/openapi.json</a>.</noscript></main>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script src="/docs/start.js"></script>
</body>
</html>
`;

// validatorUrl null: Swagger UI would otherwise send the document to validator.swagger.io.
const START = `window.ui = SwaggerUIBundle({
  url: '/api/v1/openapi.json',
  dom_id: '#reference',
  deepLinking: true,
  docExpansion: 'list',
  defaultModelsExpandDepth: 0,
  displayRequestDuration: true,
  validatorUrl: null,
});
`;

/** `GET /api/v1/openapi.json` and the reference at `/docs`: public, so tools can read the contract before they hold a token. */
export function apiReference(mode: AuthMode): Router {
  const json = JSON.stringify(buildOpenApiDocument(mode));
  const router = Router();
  router.get('/api/v1/openapi.json', (_req, res) => {
    res.type('application/json').send(json);
  });
  router.get('/docs', (_req, res) => {
    res.type('html').send(PAGE);
  });
  router.get('/docs/start.js', (_req, res) => {
    res.type('text/javascript').send(START);
  });
  router.get('/docs/assets/:file', (req, res, next) => {
    const file = req.params.file;
    // Only what the page loads: the package also holds a demo index.html that calls out to the Petstore.
    if (!ASSETS.has(file)) return next();
    res.sendFile(file, { root: SWAGGER_UI, maxAge: '1d' });
  });
  return router;
}
