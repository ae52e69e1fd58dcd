import { Router, type RequestHandler } from 'express';
import { principalOf } from '../src/http/principal';
import { asyncRoute } from '../src/http/async-route';
import type { PolicyService } from '../src/domain/policy/policy-service';

export interface AdminPolicyRouterDeps {
  policies: PolicyService;
  /** A current 2FA session once the admin is enrolled (require-verification.ts). */
  requireVerification: RequestHandler;
}

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
      res.json(await deps.policies.update(tenant, accountId, req.body));
    }),
  );

  return router;
}
