import { z } from 'zod';
import type { AuthMode } from '@flowline/config';
import { API_OPERATIONS, documentedScope, NAMED_SCHEMAS, type ApiOperation, type Body, type SchemaName } from './api-operations.ts';

type JsonSchema = Record<string, unknown>;

const STATUS_TEXT: Record<number, string> = {
  400: 'The input is not valid; `errors` lists every problem with its path.',
  401: 'No valid bearer token (jwt mode).',
  403: 'The token lacks the scope, or X-Tenant-ID disagrees with it.',
  404: 'No such resource for this tenant.',
  409: 'A conflict with the stored state.',
  413: 'The body is over 256 KiB.',
  415: 'The body is not application/json.',
  429: 'Over the tenant’s rate limit; see Retry-After.',
  500: 'Unexpected failure; the body carries only a correlation id.',
  503: 'A dependency is unavailable or the request timed out; retry later.',
};

/** JSON Schema 2020-12, the dialect of OpenAPI 3.1, straight from zod. */
function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any', override: readableFormats }) as JsonSchema;
  return rest;
}

/**
 * A string with a `format` (uuid, email, date-time) says all a reader needs; the long regex zod
 * adds besides would only fill the reference with noise. Servers check the real rule anyway.
 */
function readableFormats(ctx: { jsonSchema: JsonSchema }): void {
  if (typeof ctx.jsonSchema['format'] === 'string' && typeof ctx.jsonSchema['pattern'] === 'string') delete ctx.jsonSchema['pattern'];
}

/**
 * A named component, with the `$defs` zod emits for recursive schemas (nested condition
 * groups) hoisted into `components.schemas`: inside a component, `#/$defs/…` would resolve
 * against the whole document, not the component.
 */
function components(name: string, schema: z.ZodType, io: 'input' | 'output'): Array<[string, JsonSchema]> {
  const { $defs, ...main } = jsonSchema(schema, io) as JsonSchema & { $defs?: Record<string, JsonSchema> };
  const defs = Object.keys($defs ?? {});
  // Schemas the contracts name (`.meta({ id })`, e.g. Condition) become one shared component,
  // per direction since defaults make inputs and outputs differ; others stay the owner's.
  const componentOf = (def: string) => (/^_*schema\d+$/.test(def) ? `${name}_${def.replace(/^_+/, '')}` : io === 'input' ? `${def}Input` : def);
  const rewrite = (value: JsonSchema): JsonSchema =>
    JSON.parse(JSON.stringify(value).replace(/"#\/\$defs\/([^"]+)"/g, (_m, def: string) => JSON.stringify(`#/components/schemas/${componentOf(def)}`)));
  return [[name, rewrite(main)], ...defs.map((def): [string, JsonSchema] => [componentOf(def), rewrite($defs![def]!)])];
}

const ref = (name: SchemaName) => ({ $ref: `#/components/schemas/${name}` });
function bodySchema(body: Body): JsonSchema {
  if (typeof body === 'string') return ref(body);
  if ('listOf' in body) return { type: 'array', items: ref(body.listOf) };
  return { oneOf: [ref(body.pageOf), { type: 'array', items: ref(body.orListOf), description: 'Deprecated: the answer to `shape=array`.' }] };
}

function parameters(schema: z.ZodObject | undefined, location: 'query' | 'path'): unknown[] {
  if (!schema) return [];
  const object = jsonSchema(schema, 'input') as { properties?: Record<string, JsonSchema>; required?: string[] };
  return Object.entries(object.properties ?? {}).map(([name, property]) => ({
    name,
    in: location,
    required: location === 'path' || (object.required ?? []).includes(name),
    schema: property,
  }));
}

const IF_MATCH = {
  name: 'If-Match',
  in: 'header',
  required: false,
  description: 'The ETag of the rule as read (`"3"`): the change is made only if the rule is still at that version, else 409. `version` in the body does the same.',
  schema: { type: 'string' },
};

function operation(op: ApiOperation, mode: AuthMode): Record<string, unknown> {
  const underV1 = op.path.startsWith('/api/v1/') && !op.public;
  const scope = underV1 ? documentedScope(op) : undefined;
  const problem = { 'application/problem+json': { schema: ref('Problem') } };
  // 401 and 403 come from tokens and their scopes: trusted-header mode answers neither.
  const authErrors = mode === 'jwt' ? [401, 403] : [];
  const errors = [...new Set([...(underV1 ? [400, ...authErrors, 429, 500, 503] : [500]), ...(op.errors ?? [])])].sort();
  const tenantHeader = {
    name: 'X-Tenant-ID',
    in: 'header',
    required: mode === 'trusted-header',
    description: mode === 'jwt' ? "Optional; when sent it must equal the token's tenant claim (else 403)." : 'The tenant, as set by the trusted gateway.',
    schema: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$' },
  };
  return {
    operationId: op.operationId,
    summary: op.summary,
    tags: [op.tag],
    ...(scope ? { description: `Needs the scope \`${scope}\`.`, 'x-required-scope': scope } : {}),
    security: underV1 ? [mode === 'jwt' ? { bearerAuth: [scope] } : { tenantHeader: [] }] : [],
    parameters: [
      ...parameters(op.params, 'path'),
      ...parameters(op.query, 'query'),
      ...(underV1 ? [tenantHeader] : []),
      ...((op.errors ?? []).includes(409) && op.path.startsWith('/api/v1/automation/rules/') ? [IF_MATCH] : []),
      { name: 'X-Correlation-ID', in: 'header', required: false, description: 'Echoed back and carried into every log line and message.', schema: { type: 'string', pattern: '^[A-Za-z0-9._:-]{1,128}$' } },
    ],
    ...(op.body ? { requestBody: { required: true, content: { [op.bodyType ?? 'application/json']: { schema: ref(op.body), ...(op.example ? { example: op.example } : {}) } } } } : {}),
    responses: {
      [String(op.success.status)]: {
        description: op.success.description,
        ...(op.success.headers ? { headers: Object.fromEntries(Object.entries(op.success.headers).map(([h, d]) => [h, { description: d, schema: { type: 'string' } }])) } : {}),
        ...(op.success.body
          ? { content: { 'application/json': { schema: bodySchema(op.success.body), ...(op.success.example ? { example: op.success.example } : {}) } } }
          : op.success.status === 204
            ? {}
            : { content: { 'application/json': { schema: {} } } }),
        ...(op.success.links ? { links: op.success.links } : {}),
      },
      ...(op.success.also && op.success.body
        ? { [String(op.success.also.status)]: { description: op.success.also.description, content: { 'application/json': { schema: bodySchema(op.success.body) } } } }
        : {}),
      ...Object.fromEntries(
        errors.map((status) => [
          String(status),
          {
            description: op.errorText?.[status] ?? STATUS_TEXT[status] ?? 'Error.',
            ...(status === 429 || status === 503 ? { headers: { 'Retry-After': { description: 'Seconds to wait.', schema: { type: 'integer' } } } } : {}),
            content: problem,
          },
        ]),
      ),
    },
  };
}

/** The OpenAPI 3.1 document of the api, generated from the contract schemas for the given auth mode. */
export function buildOpenApiDocument(mode: AuthMode): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of API_OPERATIONS) (paths[op.path] ??= {})[op.method] = operation(op, mode);
  return {
    openapi: '3.1.0',
    info: {
      title: 'Flowline API',
      version: '1',
      description:
        'Multi-tenant automation rules for CRM and sales. Every error is an RFC 9457 `application/problem+json` document. ' +
        (mode === 'jwt'
          ? 'Authenticate with a bearer JWT; the tenant is its tenant claim and the scopes its `scope`/`scp` claim.'
          : 'This deployment trusts X-Tenant-ID as set by a gateway in front of it.'),
    },
    servers: [{ url: '/' }],
    tags: [{ name: 'Rules' }, { name: 'Events' }, { name: 'Entities' }, { name: 'Settings' }, { name: 'Activity' }, { name: 'Catalogue' }, { name: 'Operations' }],
    paths,
    components: {
      schemas: Object.fromEntries(Object.entries(NAMED_SCHEMAS).flatMap(([name, { schema, io }]) => components(name, schema, io))),
      securitySchemes: {
        bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'Scopes: automation:read, automation:write, events:publish.' },
        tenantHeader: { type: 'apiKey', in: 'header', name: 'X-Tenant-ID', description: 'trusted-header mode only: set by the gateway.' },
      },
    },
  };
}
