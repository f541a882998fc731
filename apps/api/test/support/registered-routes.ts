import type { Express, RequestHandler } from 'express';

interface Layer {
  route?: { path: string | string[]; methods: Record<string, boolean>; stack: Array<{ handle: RequestHandler; method?: string }> };
  handle: { stack?: Layer[] };
  rawPath?: string;
}

export interface RegisteredRoute {
  method: string;
  /** In OpenAPI `{param}` form. */
  path: string;
  /** The route's own handlers, in order (what runs once express has chosen it). */
  handlers: RequestHandler[];
}

/** Every (method, path) the express app answers, read from its router stack. */
export function registeredRoutes(app: Express): RegisteredRoute[] {
  const found: RegisteredRoute[] = [];
  const walk = (stack: Layer[], prefix: string) => {
    for (const layer of stack) {
      if (layer.route) {
        for (const path of [layer.route.path].flat()) {
          const full = `${prefix}${path === '/' ? '' : path}` || '/';
          for (const method of Object.keys(layer.route.methods).filter((m) => m !== '_all')) {
            found.push({ method, path: full.replace(/:(\w+)/g, '{$1}'), handlers: layer.route.stack.map((l) => l.handle) });
          }
        }
      } else if (layer.handle.stack) {
        walk(layer.handle.stack, `${prefix}${typeof layer.rawPath === 'string' && layer.rawPath !== '/' ? layer.rawPath : ''}`);
      }
    }
  };
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack, '');
  return found;
}
