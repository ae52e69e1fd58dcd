import { Router, type RequestHandler } from 'express';
import { principalOf } from '../src/http/principal';
import { asyncRoute } from '../src/http/async-route';
import { statusOf } from '../src/http/error-status';
import type { CallbackResult, ConnectorAuthorization } from '../src/domain/connector/connector-authorization';
import { CALLBACK_PATH } from '../src/domain/connector/connector-view';
import type { Tenant } from '../src/domain/tenancy/tenant';

export interface ConnectorPagesRouterDeps {
  /** Verifies the page JWT (`?jwt=`) and sets the principal (built by the composition root). */
  authenticatePage: RequestHandler;
  /** Lets only Jira admins through (after `authenticatePage`). */
  requireJiraAdmin: RequestHandler;
  authorization: ConnectorAuthorization;
  hostScriptUrlFor(tenant: Tenant): string;
}

/**
 * The admin page "Jira connector" (framed by Jira; the script does everything through the API), and
 * `GET /connector/oauth/callback`, where Jira sends the admin's browser back after Allow or Deny. That
 * one is a top-level page outside Jira: no JWT comes with it, the one-time state proves tenant and admin.
 */
export function connectorPagesRouter(deps: ConnectorPagesRouterDeps): Router {
  const router = Router();

  router.get(
    '/pages/admin/connector',
    deps.authenticatePage,
    deps.requireJiraAdmin,
    asyncRoute(async (_req, res) => {
      const { tenant, accountId } = principalOf(res);
      res.setHeader('Cache-Control', 'no-store');
      res.render('pages/admin-connector', {
        layout: 'connect',
        pageId: 'admin-connector',
        title: 'Jira connector',
        breadcrumb: 'Apps · Twofold',
        lead: 'Connect Twofold to a Jira Server or Data Center with OAuth 1.0a or Basic authentication.',
        accountId,
        hostScriptUrl: deps.hostScriptUrlFor(tenant),
        scripts: [
          '/public/js/twofold-api.js',
          '/public/js/step-up.js',
          '/public/js/admin-page.js',
          '/public/js/connector-page-view.js',
          '/public/js/admin-connector.js',
        ],
      });
    }),
  );

  router.get(
    CALLBACK_PATH,
    asyncRoute(async (req, res) => {
      const query: Record<string, string | undefined> = {};
      for (const [name, value] of Object.entries(req.query)) if (typeof value === 'string') query[name] = value;
      const result = await deps.authorization.completeCallback(query);
      res.setHeader('Cache-Control', 'no-store');
      res.status(httpStatus(result)).render('pages/connector-callback', { layout: 'standalone', pageId: 'connector-callback', ...present(result) });
    }),
  );

  return router;
}

function httpStatus(result: CallbackResult): number {
  if (result.ok) return 200;
  if (result.reason === 'denied') return 403;
  if (result.reason === 'failed') return statusOf(result.code);
  return 400;
}

function present(result: CallbackResult): Record<string, unknown> {
  if (result.ok) {
    return {
      title: 'Twofold is connected to Jira',
      outcome: 'connected',
      tone: 'success',
      headline: 'Authorization complete',
      message:
        result.user === null
          ? `Twofold holds an access token now, but the first call with it failed: ${result.testMessage ?? 'see the Jira connector page'}`
          : `Twofold now acts in Jira as ${result.user.displayName} (${result.user.name}).`,
      user: result.user,
    };
  }
  const denied = result.reason === 'denied';
  return {
    title: denied ? 'Authorization was denied' : 'Authorization not completed',
    outcome: result.reason,
    tone: denied ? 'warning' : 'error',
    headline: denied ? 'Authorization was denied' : headlineFor(result.reason),
    message: result.message,
    code: result.code,
  };
}

function headlineFor(reason: Exclude<CallbackResult, { ok: true }>['reason']): string {
  switch (reason) {
    case 'unknown':
      return 'This authorization link is not valid';
    case 'replayed':
      return 'This authorization link was already used';
    case 'superseded':
      return 'A newer authorization replaced this one';
    case 'expired':
      return 'This authorization link expired';
    default:
      return 'Jira did not complete the authorization';
  }
}
