import type { RequestHandler } from 'express';
import type { StepUp } from '../../domain/mfa/step-up';
import { asyncRoute } from '../../http/async-route';
import { principalOf } from '../../http/principal';

/**
 * Admin writes: once the admin has a second factor, a current 2FA session is required
 * (`403 verification_required`). Put it after `requireJiraAdmin` on every route that changes an admin
 * setting (policy, IDs, resets, the connector).
 */
export function requireCurrentVerification(stepUp: StepUp): RequestHandler {
  return asyncRoute(async (_req, res, next) => {
    const { tenant, accountId } = principalOf(res);
    await stepUp.requireCurrentSession(tenant.clientKey, accountId);
    next();
  });
}
