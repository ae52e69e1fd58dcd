import { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import { asyncRoute } from '../src/http/async-route';
import { principalOf } from '../src/http/principal';
import { parseInput } from '../src/http/validate';
import { TwofoldError } from '../src/domain/errors';
import type { MirrorStatus } from '../src/domain/directory/directory-mirror';
import type { MirroredRoster } from '../src/domain/directory/mirrored-roster';
import { usersCsvHeader, usersCsvLine } from '../src/domain/directory/users-csv';
import type { PolicyService } from '../src/domain/policy/policy-service';
import type { Tenant } from '../src/domain/tenancy/tenant';
import type { RouteDoc } from '../src/http/route-doc';

export interface AdminDirectoryRouterDeps {
  roster: MirroredRoster;
  policies: PolicyService;
  /** Starts a `directory_refresh` job (`409 job_running` while one runs). */
  refresh(tenant: Tenant, actorAccountId: string, target: 'host' | 'connector'): Promise<string>;
  requireVerification: RequestHandler;
}

const listQuery = z.object({
  group: z.string().min(1).max(255).optional(),
  enrolled: z.enum(['true', 'false']).optional(),
  q: z.string().trim().max(128).optional(),
  source: z.enum(['host', 'connector']).optional(),
  cursor: z.string().max(1000).optional(),
  limit: z.coerce.number().int().min(1).max(100).optional(),
});
const csvQuery = listQuery.omit({ cursor: true, limit: true });
const refreshBody = z.object({ target: z.enum(['host', 'connector']).optional() }).strict();

/** The routes below, described for the OpenAPI document (src/http/openapi.ts). */
export const ADMIN_DIRECTORY_ROUTES: readonly RouteDoc[] = [
  {
    method: 'get',
    path: '/api/v1/admin/users.csv',
    auth: 'connectJwtAdmin',
    summary: 'The users as CSV (accountId, display name, 2FA ID, enrolled, methods, last verification), from the directory mirror',
    query: csvQuery,
    responses: { 200: 'text/csv; cells that a spreadsheet would run as a formula are neutralised' },
    errors: ['invalid_request', 'directory_not_mirrored'],
  },
  {
    method: 'get',
    path: '/api/v1/admin/directory',
    auth: 'connectJwtAdmin',
    summary: 'When the directory mirror was last refreshed, per source, with its user counts',
    responses: { 200: '{refreshedAt, sources: [{source, refreshedAt, userCount}]}' },
  },
  {
    method: 'post',
    path: '/api/v1/admin/directory/refresh',
    auth: 'connectJwtAdmin',
    summary: 'Refreshes the directory mirror from the Jira Cloud site or, with target connector, from Data Center',
    body: refreshBody,
    responses: { 202: '{jobId}' },
    errors: ['invalid_request', 'job_running', 'verification_required', 'connector_not_configured'],
  },
];

const presentStatus = (status: readonly MirrorStatus[]) => ({
  refreshedAt:
    status.reduce<Date | null>((latest, entry) => (latest === null || entry.refreshedAt > latest ? entry.refreshedAt : latest), null)?.toISOString() ?? null,
  sources: status.map((entry) => ({ source: entry.source, refreshedAt: entry.refreshedAt.toISOString(), userCount: entry.userCount })),
});

/**
 * The users page's reads from the directory mirror, below /api/v1/admin: `GET /users` (mounted before the
 * host-backed one, which answers while the mirror was never filled), `GET /users.csv`, `GET /directory`
 * and `POST /directory/refresh`.
 */
export function adminDirectoryRouter(deps: AdminDirectoryRouterDeps): Router {
  const router = Router();

  router.get(
    '/users',
    asyncRoute(async (req, res, next) => {
      const query = parseInput(listQuery, req.query);
      const { tenant } = principalOf(res);
      const page = await deps.roster.page(tenant.clientKey, await deps.policies.get(tenant), {
        limit: query.limit ?? 50,
        ...(query.group === undefined ? {} : { group: query.group }),
        ...(query.enrolled === undefined ? {} : { enrolled: query.enrolled === 'true' }),
        ...(query.q ? { q: query.q } : {}),
        ...(query.source === undefined ? {} : { source: query.source }),
        ...(query.cursor === undefined ? {} : { cursor: query.cursor }),
      });
      if (page === null) return next();
      res.json({
        users: page.users.map((user) => ({
          ...user,
          lockedUntil: user.lockedUntil?.toISOString() ?? null,
          lastVerifiedAt: user.lastVerifiedAt?.toISOString() ?? null,
        })),
        nextCursor: page.nextCursor,
        directory: presentStatus(page.directory),
      });
    }),
  );

  router.get(
    '/users.csv',
    asyncRoute(async (req, res) => {
      const query = parseInput(csvQuery, req.query);
      const { tenant } = principalOf(res);
      const policy = await deps.policies.get(tenant);
      const filters = {
        ...(query.group === undefined ? {} : { group: query.group }),
        ...(query.enrolled === undefined ? {} : { enrolled: query.enrolled === 'true' }),
        ...(query.q ? { q: query.q } : {}),
        ...(query.source === undefined ? {} : { source: query.source }),
      };
      let page = await deps.roster.page(tenant.clientKey, policy, { ...filters, limit: 100 });
      if (page === null) throw new TwofoldError('directory_not_mirrored', 'Twofold has not read this site’s users yet: choose “Refresh now” first.');
      res.setHeader('Content-Type', 'text/csv; charset=utf-8');
      res.setHeader('Content-Disposition', 'attachment; filename="twofold-users.csv"');
      res.setHeader('Cache-Control', 'no-store');
      res.write(`${usersCsvHeader()}\r\n`);
      while (page !== null) {
        for (const user of page.users) res.write(`${usersCsvLine(user)}\r\n`);
        if (page.nextCursor === null) break;
        page = await deps.roster.page(tenant.clientKey, policy, { ...filters, limit: 100, cursor: page.nextCursor });
      }
      res.end();
    }),
  );

  router.get(
    '/directory',
    asyncRoute(async (_req, res) => {
      const { tenant } = principalOf(res);
      res.json(presentStatus(await deps.roster.status(tenant.clientKey)));
    }),
  );

  router.post(
    '/directory/refresh',
    deps.requireVerification,
    asyncRoute(async (req, res) => {
      const body = parseInput(refreshBody, req.body ?? {});
      const { tenant, accountId } = principalOf(res);
      res.status(202).json({ jobId: await deps.refresh(tenant, accountId, body.target ?? 'host') });
    }),
  );

  return router;
}
