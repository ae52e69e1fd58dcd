import { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import type { GateAdmin } from '../src/domain/gate/gate-admin';
import { asyncRoute } from '../src/http/async-route';
import { principalOf } from '../src/http/principal';
import { parseInput } from '../src/http/validate';
import type { RouteDoc } from '../src/http/route-doc';

export interface AdminGatesRouterDeps {
  gates: GateAdmin;
  /** A current 2FA session once the admin is enrolled (require-verification.ts). */
  requireVerification: RequestHandler;
}

const CreateGate = z.object({ name: z.string().min(1).max(128) }).strict();
const GateId = z.string().uuid();

/** The routes below, described for the OpenAPI document (src/http/openapi.ts). */
export const ADMIN_GATES_ROUTES: readonly RouteDoc[] = [
  {
    method: 'get',
    path: '/api/v1/admin/gates',
    auth: 'connectJwtAdmin',
    summary: "The forward-auth gates of the tenant's Data Center (never a key)",
    responses: { 200: '{gates: [{id, name, createdAt, lastUsedAt}]}' },
  },
  {
    method: 'post',
    path: '/api/v1/admin/gates',
    auth: 'connectJwtAdmin',
    summary: 'Creates a gate: its key (shown this once) and the nginx configuration filled in with it',
    body: CreateGate,
    responses: { 201: '{id, name, key, nginxConfig}' },
    errors: ['invalid_request', 'connector_not_ready', 'verification_required'],
  },
  {
    method: 'delete',
    path: '/api/v1/admin/gates/{id}',
    auth: 'connectJwtAdmin',
    summary: 'Revokes a gate: its key stops working at once, on every instance',
    params: z.object({ id: GateId }),
    responses: { 204: 'revoked' },
    errors: ['invalid_request', 'not_found', 'verification_required'],
  },
];

/**
 * `/api/v1/admin/gates` (mounted below /api/v1/admin, so the caller is a Jira admin): the forward-auth
 * gates of the tenant's Data Center. The key is in the `POST` answer only; the list never shows one.
 */
export function adminGatesRouter(deps: AdminGatesRouterDeps): Router {
  const router = Router();

  router.get(
    '/gates',
    asyncRoute(async (_req, res) => {
      const gates = await deps.gates.list(principalOf(res).tenant.clientKey);
      res.setHeader('Cache-Control', 'no-store');
      res.json({
        gates: gates.map((gate) => ({
          id: gate.id,
          name: gate.name,
          createdAt: gate.createdAt.toISOString(),
          lastUsedAt: gate.lastUsedAt?.toISOString() ?? null,
        })),
      });
    }),
  );

  router.post(
    '/gates',
    deps.requireVerification,
    asyncRoute(async (req, res) => {
      const { tenant, accountId } = principalOf(res);
      const { name } = parseInput(CreateGate, req.body);
      const created = await deps.gates.create(tenant.clientKey, accountId, name);
      res.setHeader('Cache-Control', 'no-store');
      res.status(201).json(created);
    }),
  );

  router.delete(
    '/gates/:id',
    deps.requireVerification,
    asyncRoute(async (req, res) => {
      const { tenant, accountId } = principalOf(res);
      const id = parseInput(GateId, req.params.id);
      await deps.gates.revoke(tenant.clientKey, accountId, id);
      res.status(204).end();
    }),
  );

  return router;
}
