import { Router, type RequestHandler } from 'express';
import { principalOf } from '../src/http/principal';
import { asyncRoute } from '../src/http/async-route';
import type { EmailConfirmation } from '../src/domain/mfa/email-confirmation';
import type { FactorStatusService } from '../src/domain/mfa/factor-status';
import type { PolicyService } from '../src/domain/policy/policy-service';
import type { Tenant } from '../src/domain/tenancy/tenant';

export interface OnboardingPagesDeps {
  authenticatePage: RequestHandler;
  policies: PolicyService;
  status: FactorStatusService;
  emailConfirmation: Pick<EmailConfirmation, 'isConfirmed'>;
  hostScriptUrlFor(tenant: Tenant): string;
}

/**
 * Onboarding as a required action (issue 7): a user whom the policy requires to use two-step
 * verification (an enforced group) and who has no working factor gets the set-up instead of whatever
 * Twofold page they opened, the Verify page and the admin pages included, until they have one. It
 * is rendered in place (the page keeps its address and its Jira frame); once set up, the page the
 * user asked for loads. Everyone else passes through to the page's own route.
 */
export function onboardingPagesRouter(deps: OnboardingPagesDeps): Router {
  const router = Router();
  router.get(
    '/pages/*',
    deps.authenticatePage,
    asyncRoute(async (_req, res, next) => {
      const { tenant, accountId } = principalOf(res);
      const policy = await deps.policies.get(tenant);
      const status = await deps.status.status(tenant, accountId, policy);
      if (!status.onboardingRequired) return next();
      const confirmEmail = policy.confirmEmailOnEnrollment && !(await deps.emailConfirmation.isConfirmed(tenant, accountId));
      res.setHeader('Cache-Control', 'no-store');
      res.render('pages/onboarding', {
        layout: 'connect',
        pageId: 'onboarding',
        title: 'Set up two-step verification',
        breadcrumb: policy.branding.companyName ? `${policy.branding.companyName} · Twofold` : 'Twofold',
        lead: `${policy.branding.companyName || 'Your administrator'} requires two-step verification for your account. Set it up now: it takes a minute, with an authenticator app or a hardware token.`,
        serviceName: policy.branding.serviceName,
        twoFactorId: status.twoFactorId,
        chooseId: policy.allowUserChosenId,
        confirmEmail,
        hostScriptUrl: deps.hostScriptUrlFor(tenant),
        scripts: ['/public/js/twofold-api.js', '/public/js/onboarding.js'],
      });
    }),
  );
  return router;
}
