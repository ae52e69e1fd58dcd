import { Router, type RequestHandler } from 'express';
import { principalOf } from '../src/http/principal';
import { asyncRoute } from '../src/http/async-route';
import { requireJsonBody } from '../src/http/require-json-body';
import type { AdminCheck } from '../src/domain/tenancy/admin-check';
import type { RouteDoc } from '../src/http/route-doc';

export interface ApiRouterDeps {
  /** Verifies the Connect JWT of `/api/v1/**` and sets the principal (built by the composition root). */
  authenticate: RequestHandler;
  /** Lets only Jira admins through (after `authenticate`). */
  requireJiraAdmin: RequestHandler;
  adminCheck: AdminCheck;
  appVersion: string;
  /** Routers of the feature areas, mounted below /api/v1 (after authentication) and /api/v1/admin. */
  userRouters?: Router[];
  adminRouters?: Router[];
  /** Routes below /api/v1/admin (`POST /tokens/import`) whose body is a CSV file rather than JSON. */
  csvRoutes?: string[];
}

/** The routes below, described for the OpenAPI document (src/http/openapi.ts). */
export const API_ROUTES: readonly RouteDoc[] = [
  {
    method: 'get',
    path: '/api/v1/context',
    auth: 'connectJwt',
    summary: 'Who the caller is: accountId, site and whether a Jira admin',
    responses: { 200: '{accountId, siteUrl, isAdmin}' },
  },
  {
    method: 'get',
    path: '/api/v1/admin/installation',
    auth: 'connectJwtAdmin',
    summary: "The tenant's installation: site, product, dates, app version",
    responses: { 200: '{siteUrl, productType, installedAt, updatedAt, appVersion}' },
  },
];

/**
 * `/api/v1/**`: every call authenticated with a Connect JWT; `/api/v1/admin/**` also needs Jira's
 * global ADMINISTER permission. Feature areas plug their routers in here.
 */
export function apiRouter(deps: ApiRouterDeps): Router {
  const api = Router();
  api.use(deps.authenticate);

  // Admin first: a user's call to an admin route is refused as such (403 not_admin) before its body is looked at.
  const admin = Router();
  admin.use(deps.requireJiraAdmin);
  admin.use(requireJsonBody(deps.csvRoutes));
  admin.get('/installation', (_req, res) => {
    const { tenant } = principalOf(res);
    res.json({
      siteUrl: tenant.baseUrl,
      productType: tenant.productType,
      installedAt: tenant.installedAt.toISOString(),
      updatedAt: tenant.updatedAt.toISOString(),
      appVersion: deps.appVersion,
    });
  });
  for (const router of deps.adminRouters ?? []) admin.use(router);
  api.use('/admin', admin);

  api.use(requireJsonBody());
  api.get(
    '/context',
    asyncRoute(async (_req, res) => {
      const { tenant, accountId } = principalOf(res);
      res.json({ accountId, siteUrl: tenant.baseUrl, isAdmin: await deps.adminCheck.isAdmin(tenant, accountId) });
    }),
  );
  for (const router of deps.userRouters ?? []) api.use(router);

  const root = Router();
  root.use('/api/v1', api);
  return root;
}
