import { Router } from 'express';
import { z } from 'zod';
import { TwofoldError } from '../src/domain/errors';
import type { GateSignIn } from '../src/domain/gate/gate-sign-in';
import type { BrowserSessions } from '../src/domain/mfa/browser-session';
import { effectiveSessionMinutes } from '../src/domain/mfa/session';
import type { PolicyService } from '../src/domain/policy/policy-service';
import { asyncRoute } from '../src/http/async-route';
import { principalOf } from '../src/http/principal';
import { sessionCredentialOf } from '../src/http/session-credential';
import { parseInput } from '../src/http/validate';
import type { RouteDoc } from '../src/http/route-doc';

export interface MeApprovalsRouterDeps {
  signIn: GateSignIn;
  browserSessions: BrowserSessions;
  policies: PolicyService;
}

const decisionBody = z.object({ decision: z.enum(['approve', 'deny']) }).strict();
const ApprovalId = z.string().uuid();

/** The route below, described for the OpenAPI document (src/http/openapi.ts). */
export const ME_APPROVALS_ROUTES: readonly RouteDoc[] = [
  {
    method: 'post',
    path: '/api/v1/me/approvals/{id}',
    auth: 'connectJwt',
    summary: "Answers a Basic-auth or Git client's approval request of one's own account (needs this browser's 2FA session)",
    params: z.object({ id: ApprovalId }),
    body: decisionBody,
    responses: { 200: '{id, state, decidedAt}' },
    errors: ['invalid_request', 'verification_required', 'not_found', 'approval_closed'],
  },
];

/**
 * `POST /api/v1/me/approvals/{id}` `{decision}`: the caller answers a Basic-auth client's approval
 * request of their own account, from a browser with a live 2FA session (`X-Twofold-Session`), as on
 * the gate's page. Another account's request is `404`.
 */
export function meApprovalsRouter(deps: MeApprovalsRouterDeps): Router {
  const router = Router();
  router.post(
    '/me/approvals/:id',
    asyncRoute(async (req, res) => {
      const { tenant, accountId } = principalOf(res);
      const id = parseInput(ApprovalId, req.params.id);
      const { decision } = parseInput(decisionBody, req.body);
      if ((await deps.browserSessions.current(tenant.clientKey, accountId, sessionCredentialOf(req))) === null) {
        const policy = await deps.policies.get(tenant);
        throw new TwofoldError('verification_required', 'Verify it’s you first: answering a client’s request needs your second factor.', {
          details: { reason: 'session', withinMinutes: effectiveSessionMinutes(policy.sessionTimeoutMinutes) },
        });
      }
      const answered = await deps.signIn.answer(tenant.clientKey, accountId, id, decision);
      res.setHeader('Cache-Control', 'no-store');
      res.json({ id: answered.id, state: answered.state, decidedAt: answered.decidedAt?.toISOString() ?? null });
    }),
  );
  return router;
}
