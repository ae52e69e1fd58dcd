import { z } from 'zod';
import type { ErrorCode } from '../domain/errors';
import { statusOf } from './error-status';
import type { RouteDoc } from './route-doc';

type JsonSchema = Record<string, unknown>;

/** The authentication failures every authenticated route may answer with. */
const AUTH_ERRORS: Readonly<Record<RouteDoc['auth'], readonly ErrorCode[]>> = {
  none: [],
  gateKey: ['unauthenticated'],
  connectJwt: ['unauthenticated', 'token_expired', 'unknown_tenant'],
  connectJwtAdmin: ['unauthenticated', 'token_expired', 'unknown_tenant', 'not_admin'],
};

/** What any route may answer with: a body it cannot read, and a failure of ours or of the database. */
const COMMON_ERRORS: readonly ErrorCode[] = ['internal_error', 'service_unavailable'];

function schemaOf(schema: z.ZodType): JsonSchema {
  // `input`: what a client sends (before defaults and transforms); refinements JSON Schema cannot say
  // (a regex with flags, a transform) become an unconstrained part rather than a build failure.
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' }) as JsonSchema;
  delete json.$schema;
  return json;
}

function parametersOf(schema: z.ZodType | undefined, where: 'path' | 'query'): JsonSchema[] {
  if (!schema) return [];
  const json = schemaOf(schema);
  const properties = (json.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((json.required ?? []) as string[]);
  return Object.entries(properties).map(([name, property]) => ({ name, in: where, required: where === 'path' || required.has(name), schema: property }));
}

function requestBodyOf(route: RouteDoc): JsonSchema {
  const type = route.bodyType ?? 'application/json';
  if (route.body !== undefined) return { requestBody: { required: true, content: { [type]: { schema: schemaOf(route.body) } } } };
  // A file as the body (a seed file): described by its media type, checked by its own parser.
  return type === 'application/json' ? {} : { requestBody: { required: true, content: { [type]: { schema: { type: 'string' } } } } };
}

function operationOf(route: RouteDoc): JsonSchema {
  const responses: Record<string, JsonSchema> = {};
  for (const [status, description] of Object.entries(route.responses)) responses[status] = { description };
  const errors = [...new Set([...(route.errors ?? []), ...AUTH_ERRORS[route.auth], ...COMMON_ERRORS])];
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of errors) byStatus.set(statusOf(code), [...(byStatus.get(statusOf(code)) ?? []), code]);
  for (const [status, codes] of [...byStatus].sort(([a], [b]) => a - b)) {
    responses[String(status)] = {
      description: `error codes: ${codes.join(', ')}`,
      content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
    };
  }
  const parameters = [...parametersOf(route.params, 'path'), ...parametersOf(route.query, 'query')];
  return {
    summary: route.summary,
    ...(route.description === undefined ? {} : { description: route.description }),
    operationId: `${route.method}${route.path.replace(/[{}]/g, '').replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ?? '').toUpperCase())}`,
    security: route.auth === 'none' ? [] : route.auth === 'gateKey' ? [{ gateKey: [] }] : [{ connectJwt: [] }],
    ...(parameters.length === 0 ? {} : { parameters }),
    ...requestBodyOf(route),
    responses,
  };
}

/**
 * The OpenAPI 3.1 document of Twofold's HTTP API, built from the routes' own descriptions and the zod
 * schemas their handlers validate with (so the two cannot drift apart), served at /api/v1/openapi.json.
 */
export function buildOpenApiDocument(routes: readonly RouteDoc[], version: string): JsonSchema {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const route of routes) {
    const path = (paths[route.path] ??= {});
    path[route.method] = operationOf(route);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Twofold',
      version,
      description: 'Two-step verification and a Jira Server/Data Center connector for Jira. Every error is {"error": {"code", "message", "details"?}}.',
    },
    paths,
    components: {
      securitySchemes: {
        gateKey: {
          type: 'apiKey',
          in: 'header',
          name: 'X-Twofold-Gate-Key',
          description: 'The gate key nginx adds to every request it sends to Twofold (an admin creates it on the "Data Center gate" page).',
        },
        connectJwt: {
          type: 'apiKey',
          in: 'header',
          name: 'Authorization',
          description: '`JWT <token>`: a Connect context token of the tenant (AP.context.getToken()); /api/v1/admin also needs Jira ADMINISTER.',
        },
      },
      schemas: {
        Error: {
          type: 'object',
          required: ['error'],
          properties: {
            error: {
              type: 'object',
              required: ['code', 'message'],
              properties: { code: { type: 'string' }, message: { type: 'string' }, details: { type: 'object' } },
            },
          },
        },
      },
    },
  };
}
