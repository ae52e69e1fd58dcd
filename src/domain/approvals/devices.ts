import type { AuditLog } from '../audit/audit-log';
import { TwofoldError } from '../errors';
import type { EnrollmentState } from '../mfa/ports';
import type { Clock } from '../ports/clock';
import type { Random } from '../ports/random';
import { hashCredentialToken, newCredentialToken } from './credential-token';
import type { DeviceRepository, PairedDevice, PairingRepository, PushSubscription } from './ports';
import { parseDevicePublicKey } from './signature';

/** How long the QR code on the Two-step verification page can be used. */
export const PAIRING_MINUTES = 10;

export interface DeviceServiceDeps {
  readonly pairings: PairingRepository;
  readonly devices: DeviceRepository;
  /** Whether the user has a working factor (a phone is added to one, never the first). */
  readonly enrollmentState: (tenant: string, accountId: string) => Promise<EnrollmentState>;
  /** The step-up of admin changes (src/domain/mfa/step-up.ts): a recent session of this browser. */
  readonly requireRecentSession: (tenant: string, accountId: string, credential: string | null, minutes: number) => Promise<void>;
  readonly audit: AuditLog;
  readonly clock: Clock;
  readonly random: Random;
}

/** What a pairing page shows: the token goes in the URL's fragment, which no server or proxy logs. */
export interface StartedPairing {
  readonly pairingToken: string;
  readonly expiresAt: Date;
}

/**
 * Paired phones: pairing (a single-use token shown as a QR code, 10 minutes), registering the phone's
 * public key, and listing and removing devices (the user, or an admin for a lost phone).
 *
 * Pairing adds a way to verify, so it asks what other sensitive changes ask: the user has a working
 * factor, and this browser verified with it recently (`stepUpMinutes`). Someone at an unlocked,
 * unverified browser cannot pair their own phone.
 */
export class DeviceService {
  constructor(private readonly deps: DeviceServiceDeps) {}

  async startPairing(tenant: string, accountId: string, sessionCredential: string | null, stepUpMinutes: number): Promise<StartedPairing> {
    if ((await this.deps.enrollmentState(tenant, accountId)).active === null) {
      throw new TwofoldError('not_enrolled', 'Set up an authenticator app or token first; a phone is paired as a second way to verify.');
    }
    await this.deps.requireRecentSession(tenant, accountId, sessionCredential, stepUpMinutes);
    const now = this.deps.clock.now();
    const { token, hash } = newCredentialToken(this.deps.random);
    const expiresAt = new Date(now.getTime() + PAIRING_MINUTES * 60_000);
    await this.deps.pairings.create(hash, { tenant, accountId, expiresAt }, now);
    return { pairingToken: token, expiresAt };
  }

  /**
   * The phone registers with the pairing token: `410 pairing_expired`, `409 pairing_used` (checked in
   * that order for a token past its time, then taken by one conditional UPDATE, so that two phones
   * racing with one QR code cannot both pair), `400 invalid_request` for a key that is not P-256.
   */
  async register(pairingToken: string, name: string, publicKey: unknown): Promise<{ device: PairedDevice; deviceToken: string }> {
    const key = parseDevicePublicKey(publicKey);
    if (key === null) {
      throw new TwofoldError('invalid_request', 'The public key must be the JWK of an ECDSA P-256 public key.', {
        details: { fields: [{ field: 'publicKey', problem: 'must be an ECDSA P-256 public key (JWK: kty EC, crv P-256, x, y)' }] },
      });
    }
    const now = this.deps.clock.now();
    const hash = hashCredentialToken(pairingToken);
    const pairing = await this.deps.pairings.find(hash);
    if (pairing === null) throw new TwofoldError('not_found', 'This pairing code is not known. Start pairing again on the Two-step verification page.');
    if (pairing.usedAt !== null) throw pairingUsed();
    if (pairing.expiresAt.getTime() <= now.getTime()) {
      throw new TwofoldError('pairing_expired', 'This pairing code has expired. Start pairing again on the Two-step verification page.');
    }
    if (!(await this.deps.pairings.use(hash, now))) throw pairingUsed();

    const device: PairedDevice = {
      id: this.deps.random.bytes(16).toString('hex'),
      tenant: pairing.tenant,
      accountId: pairing.accountId,
      name: name.trim(),
      publicKey: key,
      pairedAt: now,
      lastUsedAt: null,
    };
    const credential = newCredentialToken(this.deps.random);
    await this.deps.devices.create(device, credential.hash);
    await this.deps.audit.record(device.tenant, {
      at: now,
      actorAccountId: device.accountId,
      action: 'device.paired',
      subjectAccountId: device.accountId,
      detail: { deviceId: device.id, deviceName: device.name },
    });
    return { device, deviceToken: credential.token };
  }

  /** The device presenting this bearer token: `401 unauthenticated` for an unknown or removed one. */
  async authenticate(deviceToken: string | null): Promise<PairedDevice> {
    const device = deviceToken === null ? null : await this.deps.devices.findByToken(hashCredentialToken(deviceToken));
    if (device === null)
      throw new TwofoldError('unauthenticated', 'This phone is not paired (or was removed). Pair it again from the Two-step verification page.');
    return device;
  }

  list(tenant: string, accountId: string): Promise<PairedDevice[]> {
    return this.deps.devices.list(tenant, accountId);
  }

  /** Removes one device of `accountId`; `actor` is the user or an admin. `404 not_found` for another's. */
  async remove(tenant: string, actorAccountId: string, accountId: string, deviceId: string): Promise<void> {
    if (!(await this.deps.devices.remove(tenant, accountId, deviceId))) throw new TwofoldError('not_found', 'There is no such paired phone.');
    await this.deps.audit.record(tenant, {
      at: this.deps.clock.now(),
      actorAccountId,
      action: 'device.removed',
      subjectAccountId: accountId,
      detail: { deviceId },
    });
  }

  /** Every device of the user goes (an admin's reset for a lost phone). */
  removeAll(tenant: string, accountId: string): Promise<number> {
    return this.deps.devices.removeAll(tenant, accountId);
  }

  savePushSubscription(device: PairedDevice, subscription: PushSubscription | null): Promise<void> {
    return this.deps.devices.savePushSubscription(device.id, subscription);
  }
}

function pairingUsed(): TwofoldError {
  return new TwofoldError('pairing_used', 'This pairing code was used already. Start pairing again on the Two-step verification page.');
}
