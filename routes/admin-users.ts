import { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import { principalOf } from '../src/http/principal';
import { asyncRoute } from '../src/http/async-route';
import { proofOf, proofOnlyBody } from '../src/http/session-credential';
import { parseInput } from '../src/http/validate';
import type { TwoFactorIds } from '../src/domain/idmap/two-factor-ids';
import type { FactorManagement } from '../src/domain/mfa/factor-management';
import type { UserRoster } from '../src/domain/mfa/user-roster';
import type { PolicyService } from '../src/domain/policy/policy-service';
import type { RouteDoc } from '../src/http/route-doc';

export interface AdminUsersRouterDeps {
  policies: PolicyService;
  roster: UserRoster;
  ids: TwoFactorIds;
  factors: FactorManagement;
  requireVerification: RequestHandler;
}

const listQuery = z.object({
  group: z.string().min(1).max(255).optional(),
  enrolled: z.enum(['true', 'false']).optional(),
  cursor: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(100).optional(),
});
const accountParam = z.object({
  accountId: z
    .string()
    .min(1)
    .max(128)
    .regex(/^[A-Za-z0-9:_-]+$/, 'is not an Atlassian accountId'),
});
const assignBody = z.object({ twoFactorId: z.string() }).strict();

/** The routes below, described for the OpenAPI document (src/http/openapi.ts). */
export const ADMIN_USERS_ROUTES: readonly RouteDoc[] = [
  {
    method: 'get',
    path: '/api/v1/admin/users',
    auth: 'connectJwtAdmin',
    summary: 'A page of users with their 2FA IDs, enrollment and methods',
    query: listQuery,
    responses: { 200: '{users: [{accountId, displayName, twoFactorId, enrolled, required, methods, lockedUntil}], nextCursor}' },
    errors: ['invalid_request', 'host_unreachable'],
  },
  {
    method: 'put',
    path: '/api/v1/admin/users/{accountId}',
    auth: 'connectJwtAdmin',
    summary: "Assigns a user's 2FA ID",
    params: accountParam,
    body: assignBody,
    responses: { 200: '{accountId, twoFactorId, twoFactorIdSource}' },
    errors: ['invalid_request', 'id_taken', 'verification_required'],
  },
  {
    method: 'post',
    path: '/api/v1/admin/users/{accountId}/reset',
    auth: 'connectJwtAdmin',
    summary: "Removes a user's second factors (lost phone); one's own needs a code entered for it",
    params: accountParam,
    body: proofOnlyBody,
    responses: { 204: 'reset' },
    errors: ['invalid_request', 'verification_required', 'invalid_code', 'code_reused', 'locked_out'],
  },
  {
    method: 'post',
    path: '/api/v1/admin/users/{accountId}/unlock',
    auth: 'connectJwtAdmin',
    summary: 'Ends a lockout',
    params: accountParam,
    responses: { 204: 'unlocked' },
    errors: ['invalid_request', 'verification_required'],
  },
];

/** Users, their 2FA IDs, resets and unlocks, below /api/v1/admin (Jira admins only; writes need step-up). */
export function adminUsersRouter(deps: AdminUsersRouterDeps): Router {
  const router = Router();

  router.get(
    '/users',
    asyncRoute(async (req, res) => {
      const query = parseInput(listQuery, req.query);
      const { tenant } = principalOf(res);
      const page = await deps.roster.page(tenant, await deps.policies.get(tenant), {
        limit: query.limit ?? 50,
        ...(query.group === undefined ? {} : { group: query.group }),
        ...(query.enrolled === undefined ? {} : { enrolled: query.enrolled === 'true' }),
        ...(query.cursor === undefined ? {} : { cursor: query.cursor }),
      });
      res.json({ users: page.users.map((user) => ({ ...user, lockedUntil: user.lockedUntil?.toISOString() ?? null })), nextCursor: page.nextCursor });
    }),
  );

  router.put(
    '/users/:accountId',
    deps.requireVerification,
    asyncRoute(async (req, res) => {
      const { accountId } = parseInput(accountParam, req.params);
      const { twoFactorId } = parseInput(assignBody, req.body);
      const { tenant, accountId: admin } = principalOf(res);
      const mapping = await deps.ids.assign(tenant, admin, accountId, twoFactorId, 'admin', await deps.policies.get(tenant));
      res.json({ accountId, twoFactorId: mapping.twoFactorId, twoFactorIdSource: mapping.source });
    }),
  );

  router.post(
    '/users/:accountId/reset',
    deps.requireVerification,
    asyncRoute(async (req, res) => {
      const { accountId } = parseInput(accountParam, req.params);
      // Resetting one's own working factor also needs a code entered for it (`{code}` or `{backupCode}`).
      const proof = proofOf(parseInput(proofOnlyBody, req.body ?? {}));
      const { tenant, accountId: admin } = principalOf(res);
      await deps.factors.adminReset(tenant.clientKey, admin, accountId, await deps.policies.get(tenant), proof);
      res.status(204).end();
    }),
  );

  router.post(
    '/users/:accountId/unlock',
    deps.requireVerification,
    asyncRoute(async (req, res) => {
      const { accountId } = parseInput(accountParam, req.params);
      const { tenant, accountId: admin } = principalOf(res);
      await deps.factors.unlock(tenant.clientKey, admin, accountId);
      res.status(204).end();
    }),
  );

  return router;
}
