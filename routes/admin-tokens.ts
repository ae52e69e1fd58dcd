import express, { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import { TwofoldError } from '../src/domain/errors';
import type { HardwareToken } from '../src/domain/tokens/hardware-tokens';
import { asyncRoute } from '../src/http/async-route';
import { principalOf } from '../src/http/principal';
import { parseInput } from '../src/http/validate';
import type { Tenant } from '../src/domain/tenancy/tenant';
import type { RouteDoc } from '../src/http/route-doc';

/** The largest seed file accepted: 50,000 rows of about 100 bytes. */
export const MAX_TOKEN_FILE_BYTES = 5 * 1024 * 1024;

export interface AdminTokensRouterDeps {
  /** Checks every row, stages the tokens and starts the `token_import` job; throws `invalid_token_file`. */
  startImport(tenant: Tenant, actorAccountId: string, file: string, options: { replace: boolean }): Promise<string>;
  list(tenant: string): Promise<HardwareToken[]>;
  /** Takes the token away from its user (and their credential, if it is still theirs); `404 not_found`. */
  unassign(tenant: Tenant, actorAccountId: string, serial: string): Promise<void>;
  requireVerification: RequestHandler;
}

const serialParam = z.object({ serial: z.string().trim().min(1).max(128) });
const importQuery = z.object({ replace: z.enum(['true', 'false']).optional() }).strict();

/** The routes below, described for the OpenAPI document (src/http/openapi.ts). */
export const ADMIN_TOKENS_ROUTES: readonly RouteDoc[] = [
  {
    method: 'post',
    path: '/api/v1/admin/tokens/import',
    auth: 'connectJwtAdmin',
    summary: 'Imports a hardware token seed file (Token2 / Microsoft Entra CSV: upn, serial number, secret key, time interval, manufacturer, model)',
    bodyType: 'text/csv',
    query: importQuery,
    responses: { 202: '{jobId}' },
    errors: ['invalid_request', 'invalid_token_file', 'unsupported_media_type', 'payload_too_large', 'job_running', 'verification_required'],
  },
  {
    method: 'get',
    path: '/api/v1/admin/tokens',
    auth: 'connectJwtAdmin',
    summary: "The site's imported hardware tokens (never a seed)",
    responses: { 200: '{tokens: [{serial, manufacturer, model, accountId, period, state, importedAt, assignedAt}]}' },
  },
  {
    method: 'delete',
    path: '/api/v1/admin/tokens/{serial}',
    auth: 'connectJwtAdmin',
    summary: "Detaches a hardware token: it stops being its user's factor (the user sets up another)",
    params: serialParam,
    responses: { 204: 'detached' },
    errors: ['invalid_request', 'not_found', 'verification_required'],
  },
];

/** Hardware token seed files (Token2, Microsoft Entra CSV) and the site's tokens, below /api/v1/admin. */
export function adminTokensRouter(deps: AdminTokensRouterDeps): Router {
  const router = Router();

  router.post(
    '/tokens/import',
    deps.requireVerification,
    express.text({ type: 'text/csv', limit: MAX_TOKEN_FILE_BYTES, defaultCharset: 'utf-8' }),
    asyncRoute(async (req, res) => {
      if (!req.is('text/csv') || typeof req.body !== 'string') {
        throw new TwofoldError('unsupported_media_type', 'Send the seed file itself as the body, with Content-Type: text/csv.');
      }
      const { replace } = parseInput(importQuery, req.query);
      const { tenant, accountId } = principalOf(res);
      const jobId = await deps.startImport(tenant, accountId, req.body, { replace: replace === 'true' });
      res.status(202).json({ jobId });
    }),
  );

  router.get(
    '/tokens',
    asyncRoute(async (_req, res) => {
      const { tenant } = principalOf(res);
      const tokens = await deps.list(tenant.clientKey);
      res.json({
        tokens: tokens.map((token) => ({
          serial: token.serial,
          manufacturer: token.manufacturer,
          model: token.model,
          accountId: token.accountId,
          period: token.period,
          state: token.state,
          importedAt: token.importedAt.toISOString(),
          assignedAt: token.assignedAt?.toISOString() ?? null,
          lastUsedAt: token.lastUsedAt?.toISOString() ?? null,
        })),
      });
    }),
  );

  router.delete(
    '/tokens/:serial',
    deps.requireVerification,
    asyncRoute(async (req, res) => {
      const { serial } = parseInput(serialParam, req.params);
      const { tenant, accountId } = principalOf(res);
      await deps.unassign(tenant, accountId, serial);
      res.status(204).end();
    }),
  );

  return router;
}
