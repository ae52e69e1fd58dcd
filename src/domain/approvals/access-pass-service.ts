import type { AuditLog } from '../audit/audit-log';
import { TwofoldError } from '../errors';
import type { Verified, VerificationContext, VerificationService } from '../mfa/verification-service';
import type { Clock } from '../ports/clock';
import type { Random } from '../ports/random';
import type { ChallengeRecord, ChallengeRepository, DeviceRepository, PairedDevice, PushSender } from './ports';
import { accessPassMessage, isValidSignature, type Decision } from './signature';
import { drawSymbols, symbolById, type AccessPassSymbol } from './symbols';

/** How long a challenge waits for the phone. */
export const CHALLENGE_SECONDS = 120;

/** What the browser's poll learns; `verified` once, in the first answer after the approval. */
export type ChallengeView = { readonly state: 'pending' | 'denied' | 'expired' } | { readonly state: 'approved'; readonly verified: Verified | null };

/** The request as the phone shows it. */
export interface PendingRequest {
  readonly challengeId: string;
  readonly nonce: string;
  readonly symbols: AccessPassSymbol[];
  readonly user: string;
  readonly site: string;
  readonly ip: string;
  readonly createdAt: Date;
  readonly expiresAt: Date;
}

export interface AccessPassDeps {
  readonly challenges: ChallengeRepository;
  readonly devices: DeviceRepository;
  readonly verification: VerificationService;
  readonly push: PushSender;
  readonly audit: AuditLog;
  readonly clock: Clock;
  readonly random: Random;
  /** A push that failed is reported, never fatal: the phone also sees the request when the companion is open. */
  readonly onPushFailure: (error: unknown) => void;
}

/** Who asks and from where, as the phone will show it. */
export interface RequestOrigin {
  readonly userLabel: string;
  readonly site: string;
  readonly ip: string;
}

/**
 * The access pass (SecSign's name): the verify page asks, a 2-minute challenge with one symbol is
 * created and shown, the user's paired phone shows the request with four symbols, and the user taps the
 * one on screen. The phone signs its answer with its device key (signature.ts); the server checks, in
 * this order, that the challenge is the device's user's (`404`), the signature (`401 bad_signature`,
 * nothing changes), that the challenge is still open (`409 challenge_closed`: answered, or expired),
 * and the symbol (`403 wrong_symbol`: the challenge is denied and it counts as a wrong code). One
 * conditional UPDATE settles a challenge, so one answer wins.
 *
 * The browser that asked polls; once approved, its session comes from the one verification service
 * (`verifyApproval`): same lockout, same session, same audit as a code.
 */
export class AccessPassService {
  constructor(private readonly deps: AccessPassDeps) {}

  /** `POST /api/v1/me/access-pass`: `409 no_device` for a user with no paired phone. */
  async request(context: VerificationContext, origin: RequestOrigin): Promise<{ challengeId: string; symbol: AccessPassSymbol | null; expiresAt: Date }> {
    const { tenant, accountId, policy } = context;
    const devices = await this.deps.devices.list(tenant, accountId);
    if (devices.length === 0) throw new TwofoldError('no_device', 'Pair a phone on the Two-step verification page first.');
    const now = this.deps.clock.now();
    const { symbol, choices } = drawSymbols(this.deps.random);
    const showSymbol = policy.accessPass.showSymbol;
    const challenge: ChallengeRecord = {
      id: this.deps.random.bytes(16).toString('hex'),
      tenant,
      accountId,
      symbolId: symbol.id,
      // Without the comparison the phone is offered the one symbol, and approving picks it.
      choices: showSymbol ? choices.map((choice) => choice.id) : [symbol.id],
      nonce: this.deps.random.bytes(16).toString('base64url'),
      state: 'pending',
      userLabel: origin.userLabel,
      site: origin.site,
      ip: origin.ip,
      createdAt: now,
      expiresAt: new Date(now.getTime() + CHALLENGE_SECONDS * 1000),
      claimedAt: null,
    };
    await this.deps.challenges.create(challenge);
    this.notify(tenant, accountId, challenge);
    return { challengeId: challenge.id, symbol: showSymbol ? symbol : null, expiresAt: challenge.expiresAt };
  }

  /** How many phones the user paired: the access pass is offered to a user with one. */
  async pairedDeviceCount(tenant: string, accountId: string): Promise<number> {
    return (await this.deps.devices.list(tenant, accountId)).length;
  }

  /** `GET /api/v1/me/access-pass/{id}`: its state; the first poll after the approval gets the session. */
  async poll(context: VerificationContext, challengeId: string): Promise<ChallengeView> {
    const { tenant, accountId } = context;
    const challenge = await this.deps.challenges.find(tenant, accountId, challengeId);
    if (challenge === null) throw notFound();
    const now = this.deps.clock.now();
    if (challenge.state === 'pending') return { state: challenge.expiresAt.getTime() <= now.getTime() ? 'expired' : 'pending' };
    if (challenge.state === 'denied') return { state: 'denied' };
    if (challenge.claimedAt !== null) return { state: 'approved', verified: null };
    const verified = await this.deps.verification.verifyApproval(context, 'access_pass', () => this.deps.challenges.claim(tenant, challenge.id, now), {
      challengeId: challenge.id,
    });
    return { state: 'approved', verified };
  }

  /** `GET /companion/api/v1/requests`: the device's user's open challenges. */
  async pendingFor(device: PairedDevice): Promise<PendingRequest[]> {
    const now = this.deps.clock.now();
    // "Last used" to the minute: an open companion polls every few seconds, which must not be a write each time.
    if (device.lastUsedAt === null || now.getTime() - device.lastUsedAt.getTime() >= 60_000) await this.deps.devices.touch(device.id, now);
    const pending = await this.deps.challenges.pending(device.tenant, device.accountId, now);
    return pending.map((challenge) => ({
      challengeId: challenge.id,
      nonce: challenge.nonce,
      symbols: challenge.choices.map((id) => symbolById(id)).filter((symbol): symbol is AccessPassSymbol => symbol !== null),
      user: challenge.userLabel,
      site: challenge.site,
      ip: challenge.ip,
      createdAt: challenge.createdAt,
      expiresAt: challenge.expiresAt,
    }));
  }

  /**
   * `POST /companion/api/v1/requests/{id}`: the phone's signed answer. `contextOf` gives the user's
   * verification context (their tenant's policy), for a wrong symbol's place in the lockout budget.
   */
  async answer(
    device: PairedDevice,
    challengeId: string,
    answer: { decision: Decision; symbolId: string; signature: string },
    contextOf: (device: PairedDevice) => Promise<VerificationContext>,
  ): Promise<void> {
    const challenge = await this.deps.challenges.find(device.tenant, device.accountId, challengeId);
    if (challenge === null) throw notFound();
    const message = accessPassMessage(challenge.id, answer.symbolId, answer.decision, challenge.nonce);
    if (!isValidSignature(device.publicKey, message, answer.signature)) {
      throw new TwofoldError('bad_signature', "This answer is not signed by this phone's key. Pair the phone again.");
    }
    const now = this.deps.clock.now();
    if (challenge.state !== 'pending' || challenge.expiresAt.getTime() <= now.getTime()) throw closed();
    await this.deps.devices.touch(device.id, now);

    if (answer.decision === 'deny') {
      if (!(await this.deps.challenges.settle(device.tenant, challenge.id, 'denied', device.id, now))) throw closed();
      // "This wasn't me": someone else has the user's Jira password. The admin sees it in the audit log.
      await this.deps.audit.record(device.tenant, {
        at: now,
        actorAccountId: device.accountId,
        action: 'access_pass.denied',
        subjectAccountId: device.accountId,
        detail: { deviceId: device.id, deviceName: device.name, ip: challenge.ip, challengeId: challenge.id },
      });
      return;
    }
    if (answer.symbolId !== challenge.symbolId) {
      if (!(await this.deps.challenges.settle(device.tenant, challenge.id, 'denied', device.id, now))) throw closed();
      await this.deps.verification.recordApprovalFailure(await contextOf(device), 'access_pass', 'wrong_symbol');
      throw new TwofoldError('wrong_symbol', 'That is not the symbol on the screen. The request was refused; ask again on the screen.');
    }
    if (!(await this.deps.challenges.settle(device.tenant, challenge.id, 'approved', device.id, now))) throw closed();
  }

  /** Web Push to each of the user's devices that subscribed; never awaited by the request. */
  private notify(tenant: string, accountId: string, challenge: ChallengeRecord): void {
    if (!this.deps.push.enabled) return;
    const payload = JSON.stringify({ challengeId: challenge.id, site: challenge.site, expiresAt: challenge.expiresAt.toISOString() });
    void (async () => {
      for (const { deviceId, subscription } of await this.deps.devices.pushSubscriptions(tenant, accountId)) {
        try {
          if ((await this.deps.push.send(subscription, payload)) === 'gone') await this.deps.devices.savePushSubscription(deviceId, null);
        } catch (error) {
          this.deps.onPushFailure(error);
        }
      }
    })().catch((error: unknown) => this.deps.onPushFailure(error));
  }
}

function notFound(): TwofoldError {
  return new TwofoldError('not_found', 'There is no such access-pass request.');
}

function closed(): TwofoldError {
  return new TwofoldError('challenge_closed', 'This request was answered already, or it expired.');
}
