import type { RouteDoc } from '../../src/http/route-doc';
import { z } from 'zod';

/** One hostile or malformed request for a route. */
export interface BadInputCase {
  readonly name: string;
  readonly method: string;
  readonly path: string;
  /** A raw body, sent as it is with `contentType`. */
  readonly rawBody?: string;
  readonly contentType?: string;
  /** Whether the case may be accepted (a valid value that merely looks hostile): then it must only not fail or echo. */
  readonly mayBeAccepted: boolean;
}

export const INJECTIONS = [
  "' OR '1'='1' --",
  '1; DROP TABLE tenants; --',
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  'a\r\nSet-Cookie: injected=1',
  '%0d%0aSet-Cookie:%20injected=1',
  '../../etc/passwd',
  '{{constructor.constructor("return process")()}}',
  '${7*7}',
];
const CONTROL = 'a\u0000b\u001b[31m\u202Ec\u2066d';
const LONG = 'x'.repeat(20_000);

type JsonSchema = { type?: string | string[]; properties?: Record<string, JsonSchema>; anyOf?: JsonSchema[]; required?: string[] };

function propertiesOf(schema: z.ZodType | undefined): Record<string, JsonSchema> {
  if (!schema) return {};
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  const variants = json.anyOf ?? [json];
  return Object.assign({}, ...variants.map((variant) => variant.properties ?? {}));
}

function wrongValueFor(property: JsonSchema): unknown {
  const types = ([] as string[]).concat(property.type ?? []);
  if (types.includes('string')) return 12345;
  if (types.includes('number') || types.includes('integer')) return 'not a number';
  if (types.includes('boolean')) return 'yes';
  if (types.includes('array')) return { not: 'a list' };
  return ['unexpected'];
}

/** A path with its parameters filled in (`{accountId}` → a plausible value, or `value` for every one). */
export function fillPath(path: string, value?: string): string {
  return path.replace(/\{([^}]+)\}/g, (_m, name: string) => encodeURIComponent(value ?? (name === 'accountId' ? '5b10ac8d82e05b22cc7d4e2b' : 'unknown-id')));
}

/**
 * The cases for one route, derived from its description and its zod schemas (never a hand-kept list):
 * malformed and mistyped bodies, missing and unknown fields, oversized bodies, control characters, very
 * long strings and injection strings in every field, parameter and query value.
 */
export function badInputCases(route: RouteDoc): BadInputCase[] {
  const method = route.method.toUpperCase();
  const path = fillPath(route.path);
  const cases: BadInputCase[] = [];
  const json = (name: string, body: unknown, mayBeAccepted = false) =>
    cases.push({ name, method, path, rawBody: JSON.stringify(body), contentType: 'application/json', mayBeAccepted });

  if (route.method !== 'get') {
    const properties = propertiesOf(route.body);
    cases.push({ name: 'malformed JSON', method, path, rawBody: '{"code": "12', contentType: 'application/json', mayBeAccepted: false });
    cases.push({
      name: 'oversized body',
      method,
      path,
      rawBody: JSON.stringify({ padding: 'x'.repeat(200_000) }),
      contentType: 'application/json',
      mayBeAccepted: false,
    });
    cases.push({ name: 'not JSON (text/plain)', method, path, rawBody: 'code=123456', contentType: 'text/plain', mayBeAccepted: false });
    if (route.body !== undefined) {
      json('a list instead of an object', [1, 2, 3]);
      json('a bare string', 'hello');
      json('null', null);
      json('unknown fields only', { unexpectedField: true, __proto__x: 1 });
      for (const [name, property] of Object.entries(properties)) {
        json(`${name}: wrong type`, { [name]: wrongValueFor(property) });
        json(`${name}: control and direction characters`, { [name]: CONTROL });
        json(`${name}: very long`, { [name]: LONG });
        for (const injection of INJECTIONS) json(`${name}: injection ${JSON.stringify(injection)}`, { [name]: injection }, true);
      }
    }
  }
  if (route.params !== undefined || /\{/.test(route.path)) {
    for (const value of [...INJECTIONS, CONTROL, LONG.slice(0, 2_000)]) {
      cases.push({
        name: `path parameter ${JSON.stringify(value.slice(0, 30))}`,
        method,
        path: fillPath(route.path, value),
        rawBody: route.method === 'get' ? undefined : '{}',
        contentType: 'application/json',
        mayBeAccepted: false,
      });
    }
  }
  for (const name of Object.keys(propertiesOf(route.query))) {
    // Node itself answers a request line over 16 kB with 431 and no body, before any of our code runs.
    for (const value of [...INJECTIONS, CONTROL, LONG.slice(0, 4_000)]) {
      cases.push({
        name: `query ${name}=${JSON.stringify(value.slice(0, 30))}`,
        method,
        path: `${path}?${name}=${encodeURIComponent(value)}`,
        mayBeAccepted: true,
      });
    }
  }
  return cases;
}

/** The methods a path does not serve: each must be refused with the contract's error shape. */
export function wrongMethodCases(path: string, served: readonly string[]): BadInputCase[] {
  return ['GET', 'POST', 'PUT', 'DELETE', 'PATCH']
    .filter((method) => !served.includes(method))
    .map((method): BadInputCase => ({
      name: `wrong method ${method}`,
      method,
      path: fillPath(path),
      rawBody: method === 'GET' ? undefined : '{}',
      contentType: 'application/json',
      mayBeAccepted: false,
    }));
}
