import type { z } from 'zod';
import type { ErrorCode } from '../domain/errors';

/** Who may call a route: the caller's credential, as the OpenAPI document's security names it. */
export type RouteAuth = 'connectJwt' | 'connectJwtAdmin' | 'gateKey' | 'none';

/**
 * The description of one HTTP route, kept in the router's own file next to the handler, with the very
 * zod schemas that handler validates with. The OpenAPI document (openapi.ts) is built from these, and a
 * test checks that every route the app registers has one and every one names a registered route.
 */
export interface RouteDoc {
  readonly method: 'get' | 'post' | 'put' | 'delete';
  /** The full path, parameters in OpenAPI's braces: `/api/v1/admin/users/{accountId}`. */
  readonly path: string;
  readonly summary: string;
  /** An HTML page for a person (its refusals are pages too), not a JSON call. */
  readonly page?: boolean;
  readonly description?: string;
  readonly auth: RouteAuth;
  /** The body schema (JSON unless `bodyType` says otherwise). */
  readonly body?: z.ZodType;
  readonly bodyType?: 'application/json' | 'text/csv';
  readonly query?: z.ZodType;
  readonly params?: z.ZodType;
  /** Success statuses with what they carry; the error answers are added from `errors`. */
  readonly responses: Readonly<Record<number, string>>;
  /** Error codes this route may answer with besides authentication's (CONTRACT's error shape). */
  readonly errors?: readonly ErrorCode[];
}
