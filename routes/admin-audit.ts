import { Router } from 'express';
import { z } from 'zod';
import { principalOf } from '../src/http/principal';
import { asyncRoute } from '../src/http/async-route';
import { parseInput } from '../src/http/validate';
import { AUDIT_ACTIONS, type AuditLog } from '../src/domain/audit/audit-log';
import type { RouteDoc } from '../src/http/route-doc';

const auditQuery = z.object({
  cursor: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(100).optional(),
  subject: z.string().min(1).max(128).optional(),
  action: z.enum(AUDIT_ACTIONS).optional(),
});

/** The route below, described for the OpenAPI document (src/http/openapi.ts). */
export const ADMIN_AUDIT_ROUTES: readonly RouteDoc[] = [
  {
    method: 'get',
    path: '/api/v1/admin/audit',
    auth: 'connectJwtAdmin',
    summary: "The tenant's audit log, newest first",
    query: auditQuery,
    responses: { 200: '{entries: [{at, actorAccountId, action, subjectAccountId, detail}], nextCursor}' },
    errors: ['invalid_request'],
  },
];

/** `GET /api/v1/admin/audit?cursor=`: the tenant's audit log, newest first, 50 a page. */
export function adminAuditRouter(deps: { audit: AuditLog }): Router {
  const router = Router();
  router.get(
    '/audit',
    asyncRoute(async (req, res) => {
      const query = parseInput(auditQuery, req.query);
      const page = await deps.audit.page(principalOf(res).tenant.clientKey, {
        limit: query.limit ?? 50,
        ...(query.cursor === undefined ? {} : { cursor: query.cursor }),
        ...(query.subject === undefined ? {} : { subjectAccountId: query.subject }),
        ...(query.action === undefined ? {} : { action: query.action }),
      });
      res.json({
        entries: page.entries.map((entry) => ({
          id: entry.id,
          at: entry.at.toISOString(),
          actorAccountId: entry.actorAccountId,
          action: entry.action,
          subjectAccountId: entry.subjectAccountId,
          detail: entry.detail,
        })),
        nextCursor: page.nextCursor,
      });
    }),
  );
  return router;
}
