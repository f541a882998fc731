import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import express, { Router } from 'express';

/** Where `npm ci` (or the first `npm start`) builds the console: apps/console/dist. */
export const CONSOLE_DIST = resolve(import.meta.dirname, '../../../../console/dist');

const NOT_BUILT = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Flowline console not built</title></head>
<body><h1>The Flowline console is not built</h1>
<p>The api is running; only the browser console is missing. Build it with <code>npm run build:console</code>
(<code>npm ci</code> and the first <code>npm start</code> do this by themselves), then reload.</p>
<p>The API reference is at <a href="/docs">/docs</a>.</p></body></html>`;

/**
 * The browser console at `/console`: the built files, and index.html for every other path under
 * it (the console routes in the browser). Public like `/docs`: it holds no data, and every call
 * it makes carries the user's own credentials. Without a build, a page that says how to make one.
 */
export function consoleRoutes(dist = CONSOLE_DIST): Router {
  const router = Router();
  const index = join(dist, 'index.html');
  // helmet's `upgrade-insecure-requests` would send the page's script requests to https on any
  // host but localhost, so a console opened over plain http (npm start on another machine)
  // would load nothing. The rest of the policy stays, `script-src 'self'` included.
  router.use('/console', (_req, res, next) => {
    const policy = res.getHeader('content-security-policy');
    if (typeof policy === 'string') res.setHeader('content-security-policy', policy.replace(/;?upgrade-insecure-requests/, ''));
    next();
  });
  // Hashed file names: assets never change under one name, index.html always may.
  router.use('/console/assets', express.static(join(dist, 'assets'), { immutable: true, maxAge: '365d' }));
  router.use('/console', express.static(dist, { index: false, maxAge: 0 }));
  // Middleware rather than a route: these are pages, not part of the JSON contract (openapi.json).
  router.use('/console', (req, res, next) => {
    if ((req.method !== 'GET' && req.method !== 'HEAD') || req.path.startsWith('/assets/')) return next();
    if (!existsSync(index)) {
      res.status(503).type('html').set('cache-control', 'no-store').send(NOT_BUILT);
      return;
    }
    res.set('cache-control', 'no-cache').sendFile(index);
  });
  return router;
}
