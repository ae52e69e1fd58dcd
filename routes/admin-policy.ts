import { Router, type RequestHandler } from 'express';
import { principalOf } from '../src/http/principal';
import { asyncRoute } from '../src/http/async-route';
import { parseInput } from '../src/http/validate';
import type { PolicyService } from '../src/domain/policy/policy-service';
import { z } from 'zod';
import type { RouteDoc } from '../src/http/route-doc';

export interface AdminPolicyRouterDeps {
  policies: PolicyService;
  /** A current 2FA session once the admin is enrolled (require-verification.ts). */
  requireVerification: RequestHandler;
}

/** Any subset of the policy's fields (nested blocks merge); the domain checks each (policy-update.ts). */
export const policyUpdateBody = z.record(z.string(), z.unknown());

/** The routes below, described for the OpenAPI document (src/http/openapi.ts). */
export const ADMIN_POLICY_ROUTES: readonly RouteDoc[] = [
  {
    method: 'get',
    path: '/api/v1/admin/policy',
    auth: 'connectJwtAdmin',
    summary: "The tenant's policy",
    responses: { 200: 'the policy (see GET for every field)' },
  },
  {
    method: 'put',
    path: '/api/v1/admin/policy',
    auth: 'connectJwtAdmin',
    summary: 'Changes any subset of the policy; a bad field changes nothing',
    body: policyUpdateBody,
    responses: { 200: 'the whole policy after the change' },
    errors: ['invalid_policy', 'verification_required'],
  },
];

/**
 * `GET`, `PUT /api/v1/admin/policy` (mounted below /api/v1/admin, so the caller is a Jira admin).
 * `PUT` takes any subset of the fields (nested blocks merge) and answers the whole policy, or
 * `400 invalid_policy` naming each bad field, with nothing changed.
 */
export function adminPolicyRouter(deps: AdminPolicyRouterDeps): Router {
  const router = Router();

  router.get(
    '/policy',
    asyncRoute(async (_req, res) => {
      res.json(await deps.policies.get(principalOf(res).tenant));
    }),
  );

  router.put(
    '/policy',
    deps.requireVerification,
    asyncRoute(async (req, res) => {
      const { tenant, accountId } = principalOf(res);
      res.json(await deps.policies.update(tenant, accountId, parseInput(policyUpdateBody, req.body, 'invalid_policy')));
    }),
  );

  return router;
}
