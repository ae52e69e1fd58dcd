import { join } from 'node:path';
import type { Router } from 'express';
import type { Sequelize } from 'sequelize';
import { adminDevicesRouter } from '../../routes/admin-devices';
import { companionRouter } from '../../routes/companion';
import { meAccessPassRouter } from '../../routes/me-access-pass';
import { SequelizeChallengeRepository } from '../adapters/db/access-pass-challenge-repository';
import { SequelizePairingRepository } from '../adapters/db/device-pairing-repository';
import { SequelizeDeviceRepository } from '../adapters/db/paired-device-repository';
import type { Logger } from '../adapters/logging/logger';
import { NO_PUSH, WebPushSender } from '../adapters/push/web-push-sender';
import { qrCodePngDataUrl } from '../adapters/qr/qr-code-png';
import { AccessPassService } from '../domain/approvals/access-pass-service';
import { DeviceService } from '../domain/approvals/devices';
import type { PairedDevice } from '../domain/approvals/ports';
import { TwofoldError } from '../domain/errors';
import type { Clock } from '../domain/ports/clock';
import type { Random } from '../domain/ports/random';
import type { SecretBox } from '../domain/ports/secret-box';
import type { Tenant } from '../domain/tenancy/tenant';
import type { TwoStep } from './two-step';

/** The paired-device rows, made before two-step verification is composed (it counts and removes them). */
export function pairedDeviceRows(sequelize: Sequelize, secretBox: SecretBox): SequelizeDeviceRepository {
  return new SequelizeDeviceRepository(sequelize, secretBox);
}

export interface AccessPassCompositionDeps {
  sequelize: Sequelize;
  devices: SequelizeDeviceRepository;
  twoStep: TwoStep;
  clock: Clock;
  random: Random;
  logger: Logger;
  findTenant(clientKey: string): Promise<Tenant | null>;
  appBaseUrl: string;
  webPush: { publicKey: string; privateKey: string; subject: string } | null;
  projectRoot: string;
}

/** The access pass wired together: pairing, devices, challenges, Web Push, and their routers. */
export function composeAccessPass(deps: AccessPassCompositionDeps) {
  const { twoStep, clock, random } = deps;
  const devices = new DeviceService({
    pairings: new SequelizePairingRepository(deps.sequelize),
    devices: deps.devices,
    enrollmentState: (tenant, accountId) => twoStep.credentials.enrollmentState(tenant, accountId),
    requireRecentSession: (tenant, accountId, credential, minutes) => twoStep.stepUp.requireRecentSession(tenant, accountId, credential, minutes),
    audit: twoStep.audit,
    clock,
    random,
  });
  const accessPass = new AccessPassService({
    challenges: new SequelizeChallengeRepository(deps.sequelize),
    devices: deps.devices,
    verification: twoStep.verification,
    push: deps.webPush ? new WebPushSender(deps.webPush) : NO_PUSH,
    audit: twoStep.audit,
    clock,
    random,
    onPushFailure: (error) => deps.logger.warn({ err: error }, 'could not send a push notification to a paired phone'),
  });
  const contextOf = async (device: PairedDevice) => {
    const tenant = await deps.findTenant(device.tenant);
    if (tenant === null) throw new TwofoldError('unauthenticated', 'This phone is paired with a site that no longer has Twofold installed.');
    return { tenant: device.tenant, accountId: device.accountId, policy: await twoStep.policies.get(tenant) };
  };

  return {
    devices,
    accessPass,
    userRouters(): Router[] {
      return [meAccessPassRouter({ policies: twoStep.policies, devices, accessPass, ids: twoStep.ids, appBaseUrl: deps.appBaseUrl, qrPng: qrCodePngDataUrl })];
    },
    adminRouters(): Router[] {
      return [adminDevicesRouter({ devices, requireVerification: twoStep.requireVerification })];
    },
    companionRouter(): Router {
      return companionRouter({ devices, accessPass, contextOf, vapidPublicKey: deps.webPush?.publicKey ?? null, publicDir: join(deps.projectRoot, 'public') });
    },
  };
}

export type AccessPass = ReturnType<typeof composeAccessPass>;
