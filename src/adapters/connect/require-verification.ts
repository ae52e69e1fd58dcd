import type { RequestHandler } from 'express';
import type { StepUp } from '../../domain/mfa/step-up';
import type { PolicyService } from '../../domain/policy/policy-service';
import { asyncRoute } from '../../http/async-route';
import { principalOf } from '../../http/principal';
import { sessionCredentialOf } from '../../http/session-credential';

/**
 * Admin writes ("sudo mode"): once the admin has a second factor, a 2FA session *of the calling
 * browser* (its `X-Twofold-Session` credential) verified within the policy's `stepUpMinutes`, else
 * `403 verification_required`. Put it after `requireJiraAdmin` on every route that changes an admin
 * setting (policy, IDs, resets, unlocks, the connector).
 */
export function requireRecentVerification(stepUp: StepUp, policies: PolicyService): RequestHandler {
  return asyncRoute(async (req, res, next) => {
    const { tenant, accountId } = principalOf(res);
    const { stepUpMinutes } = await policies.get(tenant);
    await stepUp.requireRecentSession(tenant.clientKey, accountId, sessionCredentialOf(req), stepUpMinutes);
    next();
  });
}
