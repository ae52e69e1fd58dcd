import { Router, type RequestHandler } from 'express';
import { principalOf } from '../src/http/principal';
import { asyncRoute } from '../src/http/async-route';
import type { PolicyService } from '../src/domain/policy/policy-service';
import type { Tenant } from '../src/domain/tenancy/tenant';

export interface MePagesRouterDeps {
  /** Verifies the page JWT (`?jwt=`) and sets the principal (built by the composition root). */
  authenticatePage: RequestHandler;
  policies: PolicyService;
  hostScriptUrlFor(tenant: Tenant): string;
}

/**
 * The end user's pages, framed by Jira (general pages of the descriptor): "Two-step verification"
 * (status, set up, backup codes, remove) and "Verify it's you". The server renders the frame; the
 * page's script reads and changes everything through /api/v1/me with the context token.
 */
export function mePagesRouter(deps: MePagesRouterDeps): Router {
  const router = Router();
  const page = deps.authenticatePage;

  router.get(
    '/pages/my/two-step',
    page,
    asyncRoute(async (_req, res) => {
      const { tenant } = principalOf(res);
      const policy = await deps.policies.get(tenant);
      res.setHeader('Cache-Control', 'no-store');
      res.render('pages/two-step', {
        layout: 'connect',
        pageId: 'my-two-step',
        title: 'Two-step verification',
        breadcrumb: 'Your profile · Twofold',
        lead: "A second step, a code from an authenticator app or a hardware token, before Twofold's own pages and settings in Jira.",
        serviceName: policy.branding.serviceName,
        hostScriptUrl: deps.hostScriptUrlFor(tenant),
        scripts: ['/public/js/twofold-api.js', '/public/js/two-step.js', '/public/js/device-row.js', '/public/js/paired-phones.js'],
      });
    }),
  );

  router.get(
    '/pages/verify',
    page,
    asyncRoute(async (_req, res) => {
      const { tenant } = principalOf(res);
      const policy = await deps.policies.get(tenant);
      res.setHeader('Cache-Control', 'no-store');
      res.render('pages/verify', {
        layout: 'connect',
        pageId: 'verify',
        title: "Verify it's you",
        breadcrumb: policy.branding.companyName ? `${policy.branding.companyName} · Twofold` : 'Twofold',
        lead: 'Enter the code your authenticator app or token shows now, or one of your backup codes.',
        serviceName: policy.branding.serviceName,
        brandColor: policy.branding.color,
        hostScriptUrl: deps.hostScriptUrlFor(tenant),
        scripts: ['/public/js/twofold-api.js', '/public/js/verify.js', '/public/js/access-pass-symbols.js', '/public/js/access-pass.js'],
      });
    }),
  );

  return router;
}
