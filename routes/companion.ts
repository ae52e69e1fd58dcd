import { join } from 'node:path';
import { Router, type Request } from 'express';
import { z } from 'zod';
import { asyncRoute } from '../src/http/async-route';
import { parseInput } from '../src/http/validate';
import type { AccessPassService } from '../src/domain/approvals/access-pass-service';
import type { DeviceService } from '../src/domain/approvals/devices';
import type { PairedDevice } from '../src/domain/approvals/ports';
import type { VerificationContext } from '../src/domain/mfa/verification-service';

export interface CompanionRouterDeps {
  devices: DeviceService;
  accessPass: AccessPassService;
  /** The device's user's verification context (their tenant's policy). */
  contextOf: (device: PairedDevice) => Promise<VerificationContext>;
  /** The VAPID public key the companion subscribes with, or null when Web Push is not configured. */
  vapidPublicKey: string | null;
  /** Where public/companion lives. */
  publicDir: string;
}

const token = z.string().min(1).max(128);
const registerBody = z
  .object({
    pairingToken: token,
    name: z.string().trim().min(1).max(64),
    // Checked by the domain (a P-256 public key, on the curve): a wrong one is 400 invalid_request too.
    publicKey: z.record(z.string(), z.unknown()),
  })
  .strict();
const challengeParam = z.object({ challengeId: z.string().regex(/^[0-9a-f]{32}$/, 'is not a challenge id') });
const answerBody = z
  .object({
    decision: z.enum(['approve', 'deny']),
    symbolId: z.string().max(32),
    signature: z.string().min(1).max(200),
  })
  .strict();
const base64url = z.string().regex(/^[A-Za-z0-9_=-]+$/, 'must be base64url');
const subscriptionBody = z
  .object({
    subscription: z
      .object({
        endpoint: z.url({ protocol: /^https$/, error: 'must be an https URL' }).max(1000),
        keys: z.object({ p256dh: base64url.max(200), auth: base64url.max(100) }),
      })
      .nullable(),
  })
  .strict();

/**
 * The companion web app (`/companion`) and its API (`/companion/api/v1/**`): what a paired phone uses.
 * Outside Connect: the phone is not in Jira. Pairing is authorized by the single-use pairing token,
 * everything after by the device's bearer token (stored hashed), and each answer by the device's
 * signature (CONTRACT "Email codes and the access pass").
 */
export function companionRouter(deps: CompanionRouterDeps): Router {
  const router = Router();
  const dir = join(deps.publicDir, 'companion');

  router.get('/companion', (_req, res) => {
    res.setHeader('Cache-Control', 'no-cache');
    res.sendFile(join(dir, 'index.html'));
  });
  router.get('/companion/manifest.webmanifest', (_req, res) => {
    res.type('application/manifest+json');
    res.sendFile(join(dir, 'manifest.webmanifest'));
  });
  router.get('/companion/sw.js', (_req, res) => {
    // The worker lives below /companion/ but serves the app's page at /companion itself.
    res.setHeader('Service-Worker-Allowed', '/companion');
    res.setHeader('Cache-Control', 'no-cache');
    res.sendFile(join(dir, 'sw.js'));
  });

  const api = Router();
  api.use((_req, res, next) => {
    res.setHeader('Cache-Control', 'no-store');
    next();
  });

  api.post(
    '/devices',
    asyncRoute(async (req, res) => {
      const body = parseInput(registerBody, req.body);
      const registered = await deps.devices.register(body.pairingToken, body.name, body.publicKey);
      res.status(201).json({ deviceId: registered.device.id, deviceToken: registered.deviceToken });
    }),
  );

  api.get('/push-key', (_req, res) => {
    res.json({ vapidPublicKey: deps.vapidPublicKey });
  });

  api.put(
    '/push-subscription',
    asyncRoute(async (req, res) => {
      const device = await deps.devices.authenticate(bearerOf(req));
      const { subscription } = parseInput(subscriptionBody, req.body);
      await deps.devices.savePushSubscription(device, subscription);
      res.status(204).end();
    }),
  );

  api.get(
    '/requests',
    asyncRoute(async (req, res) => {
      const device = await deps.devices.authenticate(bearerOf(req));
      const requests = await deps.accessPass.pendingFor(device);
      res.json({
        device: { id: device.id, name: device.name },
        requests: requests.map((request) => ({
          ...request,
          createdAt: request.createdAt.toISOString(),
          expiresAt: request.expiresAt.toISOString(),
        })),
      });
    }),
  );

  api.post(
    '/requests/:challengeId',
    asyncRoute(async (req, res) => {
      const device = await deps.devices.authenticate(bearerOf(req));
      const { challengeId } = parseInput(challengeParam, req.params);
      const answer = parseInput(answerBody, req.body);
      await deps.accessPass.answer(device, challengeId, answer, deps.contextOf);
      res.status(204).end();
    }),
  );

  router.use('/companion/api/v1', api);
  return router;
}

function bearerOf(req: Request): string | null {
  const match = /^Bearer ([A-Za-z0-9_-]{1,128})$/.exec(req.headers.authorization ?? '');
  return match?.[1] ?? null;
}
