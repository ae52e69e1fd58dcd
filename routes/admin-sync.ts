import { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import { asyncRoute } from '../src/http/async-route';
import { principalOf } from '../src/http/principal';
import { parseInput } from '../src/http/validate';
import type { RouteDoc } from '../src/http/route-doc';

/** Starts a durable job (the runner's enqueue): answers its id, or throws `409 job_running`. */
export type EnqueueJob = (tenant: string, kind: string, params: unknown, actorAccountId: string) => Promise<string>;

export interface AdminSyncRouterDeps {
  enqueue: EnqueueJob;
  requireVerification: RequestHandler;
}

const syncBody = z
  .object({
    direction: z.enum(['export', 'import']),
    target: z.enum(['host', 'connector']),
    adopt: z.boolean().optional(),
  })
  .strict()
  .refine((body) => body.direction === 'import' || body.adopt === undefined, { message: 'adopt applies to an import only', path: ['adopt'] });

/** The route below, described for the OpenAPI document (src/http/openapi.ts). */
export const ADMIN_SYNC_ROUTES: readonly RouteDoc[] = [
  {
    method: 'post',
    path: '/api/v1/admin/sync',
    auth: 'connectJwtAdmin',
    summary: 'Exports the ID mappings to the Jira user property twofold-id, or imports and compares them (a job)',
    body: syncBody,
    responses: { 202: '{jobId}' },
    errors: ['invalid_request', 'job_running', 'verification_required', 'connector_not_configured'],
  },
];

/**
 * `POST /api/v1/admin/sync`: mirrors the ID mappings to the Jira user property `twofold-id` (export),
 * or reads them back and reports the differences (import; `adopt: true` takes over differing IDs).
 * A write (step-up); `202 {jobId}` at once, progress at `GET /api/v1/admin/jobs/{jobId}`.
 */
export function adminSyncRouter(deps: AdminSyncRouterDeps): Router {
  const router = Router();
  router.post(
    '/sync',
    deps.requireVerification,
    asyncRoute(async (req, res) => {
      const body = parseInput(syncBody, req.body ?? {});
      const { tenant, accountId } = principalOf(res);
      const kind = body.direction === 'export' ? 'sync_export' : 'sync_import';
      const params = body.direction === 'export' ? { target: body.target } : { target: body.target, adopt: body.adopt ?? false };
      res.status(202).json({ jobId: await deps.enqueue(tenant.clientKey, kind, params, accountId) });
    }),
  );
  return router;
}
