import { Validator } from '@seriousme/openapi-schema-validator';
import type { Express } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, defaultApiSecurity } from '@flowline/api';
import { buildOpenApiDocument } from '../src/entry-points/http/openapi/openapi-document.ts';
import type { MessageBus } from '@flowline/messaging';
import { silentLogger } from '@flowline/observability';
import { catalogue } from '@flowline/rules';
import type { Stores } from '@flowline/storage';
import { jwtMode, startApiOnly, type ApiOnly } from '../../../test/support/api-only.ts';
import { client } from '../../../test/support/harness.ts';
import { registeredRoutes as listRoutes } from './support/registered-routes.ts';

/** Paths served that are not part of the JSON contract: the HTML reference and Prometheus text. */
const NOT_IN_CONTRACT = new Set(['/docs', '/metrics']);

/** Every (method, path) the express app answers, in OpenAPI `{param}` form. */
function registeredRoutes(app: Express): Array<[string, string]> {
  return listRoutes(app).map((route) => [route.method, route.path]);
}

let api: ApiOnly;
let document: any;
beforeAll(async () => {
  api = await startApiOnly(jwtMode);
  const res = await client(api.baseUrl, undefined).get('/api/v1/openapi.json');
  expect(res.status).toBe(200);
  document = res.body;
});
afterAll(() => api.stop());

const resolve = (schema: any) => (schema?.$ref ? document.components.schemas[schema.$ref.split('/').pop()] : schema);

describe('GET /api/v1/openapi.json', () => {
  it('when fetched without a token or tenant header, then it is an OpenAPI 3.1 document that validates', async () => {
    expect(document.openapi).toBe('3.1.0');
    const result = await new Validator().validate(document);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect((await new Validator().validate(buildOpenApiDocument('trusted-header'))).valid).toBe(true);
  });

  it('when compared with the express router, then every registered route is documented with its parameters and response schemas', () => {
    const app = createApp({ stores: {} as Stores, bus: {} as MessageBus, catalogue, logger: silentLogger(), security: defaultApiSecurity() });
    const routes = registeredRoutes(app).filter(([, path]) => !NOT_IN_CONTRACT.has(path));
    expect(routes.length).toBeGreaterThanOrEqual(30);
    for (const [method, path] of routes) {
      const op = document.paths[path]?.[method];
      expect(op, `${method.toUpperCase()} ${path} is not in openapi.json`).toBeDefined();
      for (const param of path.match(/\{(\w+)\}/g) ?? []) {
        expect(op.parameters.some((p: any) => p.in === 'path' && `{${p.name}}` === param), `${path} lacks ${param}`).toBe(true);
      }
      const [status, success] = Object.entries(op.responses).find(([s]) => s.startsWith('2')) as [string, any];
      if (status !== '204') expect(success.content['application/json'].schema, `${method} ${path} ${status}`).toBeDefined();
      if (path.startsWith('/api/v1/') && path !== '/api/v1/openapi.json') {
        expect(resolve(op.responses['400'].content['application/problem+json'].schema).properties).toHaveProperty('errors');
        expect(op.security).toEqual([{ bearerAuth: [op['x-required-scope']] }]);
      }
    }
    const documented = Object.entries(document.paths).flatMap(([path, methods]) => Object.keys(methods as object).map((m) => `${m} ${path}`));
    expect(documented.sort()).toEqual(routes.map(([m, p]) => `${m} ${p}`).sort());
  });

  it('when an operation takes a body, then its request schema is the contract’s, with the contract’s limits', () => {
    const body = (path: string, method: string) => resolve(document.paths[path][method].requestBody.content['application/json'].schema);
    const create = body('/api/v1/automation/rules', 'post');
    expect(create.required).toEqual(expect.arrayContaining(['name', 'module_type', 'trigger_id', 'actions']));
    expect(create.additionalProperties).toBe(false);
    expect(create.properties.conditions.maxItems).toBe(50);
    expect(create.properties.actions.maxItems).toBe(20);
    expect(body('/api/v1/automation/rules/{rule_id}', 'put').properties).not.toHaveProperty('tenant_id');
    expect(body('/api/v1/events', 'post').required).toEqual(['type', 'data']);
    expect(document.paths['/api/v1/automation/rules']['get'].parameters.map((p: any) => p.name)).toEqual(
      expect.arrayContaining(['module_type', 'trigger_id', 'is_active', 'X-Tenant-ID']),
    );
    expect(document.paths['/api/v1/automation/rules']['post'].responses['429'].headers).toHaveProperty('Retry-After');
  });
});

describe('GET /docs', () => {
  it('when opened without credentials, then an HTML reference lists every operation and needs nothing from elsewhere', async () => {
    const res = await client(api.baseUrl, undefined).get('/docs');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    for (const path of Object.keys(document.paths)) expect(res.body).toContain(path.replaceAll('&', '&amp;'));
    expect(res.body).not.toMatch(/<script|https?:\/\//);
  });
});
