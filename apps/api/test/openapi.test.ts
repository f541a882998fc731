import { Validator } from '@seriousme/openapi-schema-validator';
import type { Express } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, defaultApiSecurity } from '@flowline/api';
import { API_OPERATIONS, NAMED_SCHEMAS } from '../src/entry-points/http/openapi/api-operations.ts';
import { buildOpenApiDocument } from '../src/entry-points/http/openapi/openapi-document.ts';
import type { MessageBus } from '@flowline/messaging';
import { silentLogger } from '@flowline/observability';
import { catalogue } from '@flowline/rules';
import type { Stores } from '@flowline/storage';
import { jwtMode, startApiOnly, type ApiOnly } from '../../../test/support/api-only.ts';
import { client } from '../../../test/support/harness.ts';
import { registeredRoutes as listRoutes } from './support/registered-routes.ts';

/** Paths served that are not part of the JSON contract: the reference page and its files, Prometheus text, the redirect to the console. */
const NOT_IN_CONTRACT = new Set(['/', '/docs', '/docs/start.js', '/docs/assets/{file}', '/metrics']);

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
    // PUT takes back what GET gave, so it names the read-only fields too (they must be unchanged).
    expect(body('/api/v1/automation/rules/{rule_id}', 'put').required).toEqual(expect.arrayContaining(['name', 'actions']));
    expect(body('/api/v1/automation/rules/{rule_id}', 'put').properties).toHaveProperty('version');
    expect(document.paths['/api/v1/automation/rules/{rule_id}']['patch'].requestBody.content).toHaveProperty(['application/merge-patch+json']);
    expect(document.paths['/api/v1/automation/rules/{rule_id}']['put'].parameters.map((p: any) => p.name)).toContain('If-Match');
    expect(body('/api/v1/events', 'post').required).toEqual(['type', 'data']);
    expect(document.paths['/api/v1/automation/rules']['get'].parameters.map((p: any) => p.name)).toEqual(
      expect.arrayContaining(['module_type', 'trigger_id', 'is_active', 'X-Tenant-ID']),
    );
    expect(document.paths['/api/v1/automation/rules']['post'].responses['429'].headers).toHaveProperty('Retry-After');
  });
});

describe('list shapes', () => {
  it('when a GET /api/v1 operation lists items, then its 200 is a page; the four lists that were bare arrays also document shape=array and its deprecation headers', () => {
    const catalogues = new Set(['listTriggers', 'listTemplates']);
    const lists = API_OPERATIONS.filter((op) => op.method === 'get' && /^list/.test(op.operationId) && !catalogues.has(op.operationId));
    expect(lists.map((op) => op.operationId)).toEqual(expect.arrayContaining(['listRules', 'listRuleVersions', 'listNotifications', 'listTasks', 'listExecutions', 'listEvents', 'listAudit']));
    for (const op of lists) {
      const schema = document.paths[op.path].get.responses['200'].content['application/json'].schema;
      const page = resolve(schema.oneOf?.[0] ?? schema);
      expect(Object.keys(page.properties), op.operationId).toEqual(['items', 'next_cursor']);
    }
    for (const path of ['/api/v1/automation/rules', '/api/v1/automation/rules/{rule_id}/versions', '/api/v1/notifications', '/api/v1/tasks']) {
      const get = document.paths[path].get;
      expect(get.parameters.find((p: any) => p.name === 'shape')?.schema.enum, path).toEqual(['array']);
      expect(get.parameters.map((p: any) => p.name), path).toEqual(expect.arrayContaining(['cursor', 'limit']));
      const ok = get.responses['200'];
      expect(ok.content['application/json'].schema.oneOf[1]).toMatchObject({ type: 'array', items: { $ref: expect.any(String) } });
      expect(Object.keys(ok.headers), path).toEqual(expect.arrayContaining(['Deprecation', 'Link']));
    }
  });
});

describe('examples, wording and statuses', () => {
  it('when an operation shows an example, then the example is valid for its schema, and the main operations have one', () => {
    const operations = API_OPERATIONS.filter((op) => op.example !== undefined || op.success.example !== undefined);
    expect(operations.map((op) => op.operationId)).toEqual(expect.arrayContaining(['createRule', 'replaceRule', 'patchRule', 'testRule', 'publishEvent', 'createOpportunity', 'listAudit']));
    for (const op of operations) {
      if (op.example !== undefined) expect(NAMED_SCHEMAS[op.body!].schema.safeParse(op.example).error, `${op.operationId} request example`).toBeUndefined();
      const body = op.success.body;
      if (op.success.example !== undefined && typeof body === 'string') {
        expect(NAMED_SCHEMAS[body].schema.safeParse(op.success.example).error, `${op.operationId} response example`).toBeUndefined();
      }
    }
    expect(document.paths['/api/v1/automation/rules'].post.requestBody.content['application/json'].example.name).toBe('High Value Deal Alert');
  });

  it('when a response links to another operation, then that operation exists and takes the linked parameters', () => {
    const byId = new Map(API_OPERATIONS.map((op) => [op.operationId, op]));
    const links = API_OPERATIONS.flatMap((op) => Object.values(op.success.links ?? {}).map((link) => ({ from: op.operationId, link })));
    expect(links.map((l) => `${l.from} → ${l.link.operationId}`)).toEqual(expect.arrayContaining(['createRule → getRule', 'createRule → toggleRule', 'createRule → deleteRule']));
    for (const { from, link } of links) {
      const target = byId.get(link.operationId);
      expect(target, `${from} → ${link.operationId}`).toBeDefined();
      for (const name of Object.keys(link.parameters)) expect(Object.keys(target!.params?.shape ?? {}), `${from} → ${link.operationId}`).toContain(name);
    }
  });

  it('when summaries name entities, then articles and plurals are English', () => {
    const summaries = Object.values(document.paths).flatMap((methods: any) => Object.values(methods).map((op: any) => op.summary as string));
    expect(summaries).toEqual(expect.arrayContaining(['Create an opportunity (raises its triggers)', 'A page of opportunities, newest first', 'Create a contact (raises its triggers)']));
    expect(summaries.join('\n')).not.toMatch(/\ba [aeiou]|opportunitys/);
  });

  it('when an entity PATCH can conflict, then its 409 speaks of the entity version, not of rule limits', () => {
    const conflict = document.paths['/api/v1/sales/opportunities/{id}'].patch.responses['409'].description;
    expect(conflict).toMatch(/opportunity is no longer at the `version`/);
    expect(conflict).not.toMatch(/rules/);
    expect(document.paths['/api/v1/automation/rules'].post.responses['409'].description).toMatch(/as many rules/);
  });

  it('when the api trusts X-Tenant-ID, then no operation lists 401 or 403; with tokens every /api/v1 operation does', () => {
    const trusted: any = buildOpenApiDocument('trusted-header');
    const statuses = (doc: any, path: string, method: string) => Object.keys(doc.paths[path][method].responses);
    expect(statuses(trusted, '/api/v1/automation/rules', 'get')).not.toEqual(expect.arrayContaining(['401']));
    expect(statuses(trusted, '/api/v1/automation/rules', 'get')).not.toContain('403');
    expect(statuses(document, '/api/v1/automation/rules', 'get')).toEqual(expect.arrayContaining(['401', '403']));
    expect(statuses(document, '/health', 'get')).not.toContain('401');
  });

  it('when a string has a format, then the reference shows the format and not the long pattern', () => {
    const rule = document.components.schemas.Rule;
    expect(rule.properties.id).toMatchObject({ format: 'uuid' });
    expect(rule.properties.id).not.toHaveProperty('pattern');
  });
});

describe('GET /docs', () => {
  it('when opened without credentials, then the Swagger UI page loads only files this api serves, pointed at the document', async () => {
    const anonymous = client(api.baseUrl, undefined);
    const res = await anonymous.get('/docs');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.body).not.toMatch(/https?:\/\//);
    const assets = [...res.body.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
    expect(assets).toEqual(expect.arrayContaining(['/docs/assets/swagger-ui.css', '/docs/assets/swagger-ui-bundle.js', '/docs/start.js']));
    for (const asset of assets.filter((a) => a.startsWith('/docs/'))) {
      const file = await anonymous.get(asset);
      expect(file.status, asset).toBe(200);
    }
    const start = await anonymous.get('/docs/start.js');
    expect(start.body).toContain("url: '/api/v1/openapi.json'");
    expect(start.body).toContain('validatorUrl: null');
    expect((await anonymous.get('/docs/assets/index.html')).status).toBe(404);
  });

  it('when / is opened, then it redirects to the console', async () => {
    const res = await fetch(`${api.baseUrl}/`, { redirect: 'manual' });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/console');
  });
});
