import { Router } from 'express';
import { z } from 'zod';
import { principalOf } from '../src/http/principal';
import { asyncRoute } from '../src/http/async-route';
import { sessionCredentialOf } from '../src/http/session-credential';
import { parseInput } from '../src/http/validate';
import type { AccessPassService } from '../src/domain/approvals/access-pass-service';
import type { DeviceService } from '../src/domain/approvals/devices';
import type { PairedDevice } from '../src/domain/approvals/ports';
import type { TwoFactorIds } from '../src/domain/idmap/two-factor-ids';
import { TwofoldError } from '../src/domain/errors';
import type { PolicyService } from '../src/domain/policy/policy-service';
import type { RouteDoc } from '../src/http/route-doc';

export interface MeAccessPassRouterDeps {
  policies: PolicyService;
  devices: DeviceService;
  accessPass: AccessPassService;
  ids: TwoFactorIds;
  /** The app's public base URL: the pairing URL points at its companion. */
  appBaseUrl: string;
  qrPng(text: string): Promise<string>;
}

const deviceParam = z.object({ id: z.string().regex(/^[0-9a-f]{32}$/, 'is not a device id') });
const challengeParam = z.object({ challengeId: z.string().regex(/^[0-9a-f]{32}$/, 'is not a challenge id') });

const accessPassErrors = ['method_disabled'] as const;

/** The routes below, described for the OpenAPI document (src/http/openapi.ts). */
export const ME_ACCESS_PASS_ROUTES: readonly RouteDoc[] = [
  {
    method: 'post',
    path: '/api/v1/me/devices/pairing',
    auth: 'connectJwt',
    summary: 'Starts pairing a phone: a single-use pairing URL for the companion app (10 minutes) and its QR code',
    responses: { 201: '{pairingUrl, qrPng, expiresAt}' },
    errors: [...accessPassErrors, 'not_enrolled', 'verification_required'],
  },
  {
    method: 'get',
    path: '/api/v1/me/devices',
    auth: 'connectJwt',
    summary: "The caller's paired phones",
    responses: { 200: '{devices: [{id, name, pairedAt, lastUsedAt}]}' },
  },
  {
    method: 'delete',
    path: '/api/v1/me/devices/{id}',
    auth: 'connectJwt',
    summary: "Removes one of the caller's paired phones",
    params: deviceParam,
    responses: { 204: 'removed' },
    errors: ['invalid_request', 'not_found'],
  },
  {
    method: 'post',
    path: '/api/v1/me/access-pass',
    auth: 'connectJwt',
    summary: 'Asks the paired phones to approve: a 2-minute challenge and the symbol to pick on the phone',
    responses: { 201: '{challengeId, symbol: {id, name}, expiresAt}' },
    errors: [...accessPassErrors, 'no_device', 'locked_out', 'not_enrolled'],
  },
  {
    method: 'get',
    path: '/api/v1/me/access-pass/{challengeId}',
    auth: 'connectJwt',
    summary: "A challenge's state; once approved, the browser that asked gets its verification (sessionToken) as /me/verify gives it",
    params: challengeParam,
    responses: { 200: '{state: "pending" | "approved" | "denied" | "expired", verifiedUntil?, sessionToken?}' },
    errors: ['invalid_request', 'not_found'],
  },
];

/**
 * The caller's paired phones and the access pass, below /api/v1 (CONTRACT "Email codes and the access
 * pass"). The pairing token travels in the URL's fragment, which no server or proxy logs.
 */
export function meAccessPassRouter(deps: MeAccessPassRouterDeps): Router {
  const router = Router();

  router.post(
    '/me/devices/pairing',
    asyncRoute(async (req, res) => {
      const { tenant, accountId } = principalOf(res);
      const policy = await deps.policies.get(tenant);
      requireAccessPass(policy.methods);
      const started = await deps.devices.startPairing(tenant.clientKey, accountId, sessionCredentialOf(req), policy.stepUpMinutes);
      const pairingUrl = `${deps.appBaseUrl}/companion#pair=${started.pairingToken}`;
      res.status(201).json({ pairingUrl, qrPng: await deps.qrPng(pairingUrl), expiresAt: started.expiresAt.toISOString() });
    }),
  );

  router.get(
    '/me/devices',
    asyncRoute(async (_req, res) => {
      const { tenant, accountId } = principalOf(res);
      res.json({ devices: (await deps.devices.list(tenant.clientKey, accountId)).map(presentDevice) });
    }),
  );

  // `/me/devices/pairing` is the pairing's path (POST), not a device: any other method on it is the app's
  // 404, not the device route's `400` for an id that is not one.
  router.all('/me/devices/pairing', (req, _res, next) => next(req.method === 'POST' ? undefined : 'router'));

  router.delete(
    '/me/devices/:id',
    asyncRoute(async (req, res) => {
      const { id } = parseInput(deviceParam, req.params);
      const { tenant, accountId } = principalOf(res);
      await deps.devices.remove(tenant.clientKey, accountId, accountId, id);
      res.status(204).end();
    }),
  );

  router.post(
    '/me/access-pass',
    asyncRoute(async (req, res) => {
      const { tenant, accountId } = principalOf(res);
      const policy = await deps.policies.get(tenant);
      requireAccessPass(policy.methods);
      const { twoFactorId } = await deps.ids.current(tenant, accountId, policy);
      const created = await deps.accessPass.request(
        { tenant: tenant.clientKey, accountId, policy },
        { userLabel: twoFactorId, site: tenant.baseUrl, ip: req.ip ?? '' },
      );
      res.status(201).json({ challengeId: created.challengeId, symbol: created.symbol, expiresAt: created.expiresAt.toISOString() });
    }),
  );

  router.get(
    '/me/access-pass/:challengeId',
    asyncRoute(async (req, res) => {
      const { challengeId } = parseInput(challengeParam, req.params);
      const { tenant, accountId } = principalOf(res);
      const policy = await deps.policies.get(tenant);
      const view = await deps.accessPass.poll({ tenant: tenant.clientKey, accountId, policy }, challengeId);
      res.setHeader('Cache-Control', 'no-store');
      if (view.state !== 'approved' || view.verified === null) {
        res.json({ state: view.state });
        return;
      }
      // As POST /api/v1/me/verify answers: this browser's session credential, shown this once.
      res.json({
        state: 'approved',
        verifiedUntil: view.verified.verifiedUntil.toISOString(),
        verifiedAt: view.verified.verifiedAt.toISOString(),
        method: view.verified.method,
        sessionToken: view.verified.sessionToken,
      });
    }),
  );

  return router;
}

export function presentDevice(device: PairedDevice): Record<string, unknown> {
  return { id: device.id, name: device.name, pairedAt: device.pairedAt.toISOString(), lastUsedAt: device.lastUsedAt?.toISOString() ?? null };
}

function requireAccessPass(methods: readonly string[]): void {
  if (!methods.includes('access_pass')) throw new TwofoldError('method_disabled', 'Approving on a phone is turned off on this site.');
}
