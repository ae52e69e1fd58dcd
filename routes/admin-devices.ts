import { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import { principalOf } from '../src/http/principal';
import { asyncRoute } from '../src/http/async-route';
import { parseInput } from '../src/http/validate';
import type { DeviceService } from '../src/domain/approvals/devices';
import { presentDevice } from './me-access-pass';
import type { RouteDoc } from '../src/http/route-doc';

export interface AdminDevicesRouterDeps {
  devices: DeviceService;
  requireVerification: RequestHandler;
}

const userParam = z.object({
  accountId: z
    .string()
    .min(1)
    .max(128)
    .regex(/^[A-Za-z0-9:_-]+$/, 'is not an Atlassian accountId'),
});
const deviceParam = userParam.extend({ id: z.string().regex(/^[0-9a-f]{32}$/, 'is not a device id') });

/** The routes below, described for the OpenAPI document (src/http/openapi.ts). */
export const ADMIN_DEVICES_ROUTES: readonly RouteDoc[] = [
  {
    method: 'get',
    path: '/api/v1/admin/users/{accountId}/devices',
    auth: 'connectJwtAdmin',
    summary: "A user's paired phones",
    params: userParam,
    responses: { 200: '{devices: [{id, name, pairedAt, lastUsedAt}]}' },
    errors: ['invalid_request'],
  },
  {
    method: 'delete',
    path: '/api/v1/admin/users/{accountId}/devices/{id}',
    auth: 'connectJwtAdmin',
    summary: "Removes a user's paired phone (a lost one stops approving at once)",
    params: deviceParam,
    responses: { 204: 'removed' },
    errors: ['invalid_request', 'not_found', 'verification_required'],
  },
];

/** A user's paired phones, below /api/v1/admin: an admin sees them and removes a lost one (a write: step-up). */
export function adminDevicesRouter(deps: AdminDevicesRouterDeps): Router {
  const router = Router();

  router.get(
    '/users/:accountId/devices',
    asyncRoute(async (req, res) => {
      const { accountId } = parseInput(userParam, req.params);
      const { tenant } = principalOf(res);
      res.json({ devices: (await deps.devices.list(tenant.clientKey, accountId)).map(presentDevice) });
    }),
  );

  router.delete(
    '/users/:accountId/devices/:id',
    deps.requireVerification,
    asyncRoute(async (req, res) => {
      const { accountId, id } = parseInput(deviceParam, req.params);
      const { tenant, accountId: admin } = principalOf(res);
      await deps.devices.remove(tenant.clientKey, admin, accountId, id);
      res.status(204).end();
    }),
  );

  return router;
}
