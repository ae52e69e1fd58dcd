import { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import { asyncRoute } from '../src/http/async-route';
import { principalOf } from '../src/http/principal';
import { parseInput } from '../src/http/validate';
import type { RolloutService } from '../src/domain/rollout/rollout-service';
import type { RouteDoc } from '../src/http/route-doc';
import { hasUnsafeCharacters, UNSAFE_CHARACTERS_PROBLEM } from '../src/domain/text/unsafe-characters';

export interface AdminRolloutsRouterDeps {
  rollouts: RolloutService;
  requireVerification: RequestHandler;
}

const rolloutBody = z
  .object({
    group: z
      .string()
      .trim()
      .min(1, 'names the group to roll out to')
      .max(255)
      .refine((group) => !hasUnsafeCharacters(group), UNSAFE_CHARACTERS_PROBLEM),
    idPattern: z.string().max(200).optional(),
    target: z.enum(['host', 'connector']).optional(),
    overwrite: z.boolean().optional(),
  })
  .strict();

/** The route below, described for the OpenAPI document (src/http/openapi.ts). */
export const ADMIN_ROLLOUTS_ROUTES: readonly RouteDoc[] = [
  {
    method: 'post',
    path: '/api/v1/admin/rollouts',
    auth: 'connectJwtAdmin',
    summary: 'Gives every member of a group a 2FA ID by the pattern and requires 2FA of them (a job)',
    body: rolloutBody,
    responses: { 202: '{jobId}' },
    errors: ['invalid_request', 'job_running', 'verification_required', 'connector_not_configured'],
  },
];

/** `POST /api/v1/admin/rollouts`: a rollout job, `202 {jobId}` at once (an admin write: step-up). */
export function adminRolloutsRouter(deps: AdminRolloutsRouterDeps): Router {
  const router = Router();
  router.post(
    '/rollouts',
    deps.requireVerification,
    asyncRoute(async (req, res) => {
      const body = parseInput(rolloutBody, req.body ?? {});
      const { tenant, accountId } = principalOf(res);
      const jobId = await deps.rollouts.start(tenant, accountId, {
        group: body.group,
        ...(body.idPattern === undefined ? {} : { idPattern: body.idPattern }),
        ...(body.target === undefined ? {} : { target: body.target }),
        ...(body.overwrite === undefined ? {} : { overwrite: body.overwrite }),
      });
      res.status(202).json({ jobId });
    }),
  );
  return router;
}
