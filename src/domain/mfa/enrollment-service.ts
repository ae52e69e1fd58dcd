import type { AuditLog } from '../audit/audit-log';
import { TwofoldError } from '../errors';
import type { TwoFactorIds } from '../idmap/two-factor-ids';
import type { Clock } from '../ports/clock';
import type { Random } from '../ports/random';
import type { TenantPolicy } from '../policy/policy';
import type { Tenant } from '../tenancy/tenant';
import { createBackupCodeSet } from './backup-code-hash';
import { buildTotpKeyUri } from './key-uri';
import { totpParameters, type TotpParameters } from './otp-parameters';
import { AttemptBudget, lockedOut, refuseIfLockedOut } from './attempt-budget';
import { issueBrowserSession, type BrowserSessionRepository } from './browser-session';
import type { FailureCounterRepository, TotpCredentialRepository, VerificationSessionRepository, VerificationStateReader } from './ports';
import { generateSecret } from './secret';
import { startSession } from './session';
import type { StepUp } from './step-up';
import type { EmailConfirmation } from './email-confirmation';
import type { VerificationInput } from './verification-service';
import { normalizeTotpCode, totpCodeShapeError, verifyTotp } from './verify-totp';

export interface EnrollmentDeps {
  readonly credentials: TotpCredentialRepository;
  /** The user's failure counters, read before a confirmation code is looked at. */
  readonly state: VerificationStateReader;
  readonly failures: FailureCounterRepository;
  readonly sessions: VerificationSessionRepository;
  readonly browserSessions: BrowserSessionRepository;
  readonly ids: TwoFactorIds;
  readonly stepUp: StepUp;
  readonly audit: AuditLog;
  readonly clock: Clock;
  readonly random: Random;
  /** Onboarding's email confirmation (policy `confirmEmailOnEnrollment`), checked before a first factor is activated. */
  readonly emailConfirmation?: Pick<EmailConfirmation, 'requireConfirmed'>;
}

/** A pending credential as shown once to the user who enrolls. */
export interface PendingEnrollment {
  readonly secret: Buffer;
  readonly params: TotpParameters;
  readonly otpauthUri: string;
  readonly twoFactorId: string;
  readonly issuer: string;
}

/**
 * How long a set-up waits for its confirmation code. Long enough to find the app or program a token;
 * short enough that a set-up left open is not a target for guessing (its codes are also held to the
 * lockout budget).
 */
export const PENDING_ENROLLMENT_MINUTES = 15;

/**
 * Enrollment of an authenticator app or hardware token (Token2's flow): a pending credential with a
 * new random secret, shown as QR / base32 / hex; it becomes active only when the user types a code
 * it produced, and only then replaces an earlier one. Confirmation hands out the backup codes once.
 */
export class EnrollmentService {
  private readonly budget: AttemptBudget;

  constructor(private readonly deps: EnrollmentDeps) {
    this.budget = new AttemptBudget(deps.failures);
  }

  /**
   * A new pending credential. Replacing a working factor is a sensitive change: it needs a code of the
   * old one entered for it (`proof`), which a first set-up does not.
   */
  async start(
    tenant: Tenant,
    accountId: string,
    policy: TenantPolicy,
    requested: { algorithm?: unknown; digits?: unknown; period?: unknown },
    proof: VerificationInput | null = null,
  ): Promise<PendingEnrollment> {
    const { credentials, clock, random } = this.deps;
    if ((await credentials.enrollmentState(tenant.clientKey, accountId)).active !== null) {
      await this.deps.stepUp.requireCode({ tenant: tenant.clientKey, accountId, policy }, proof, 'totp.replace');
    }
    const params = totpParameters({
      algorithm: requested.algorithm ?? policy.totp.algorithm,
      digits: requested.digits ?? policy.totp.digits,
      period: requested.period ?? policy.totp.period,
    });
    const twoFactorId = await this.deps.ids.ensure(tenant, accountId, policy);
    const secret = generateSecret(random, params.algorithm);
    const issuer = policy.branding.serviceName;
    const otpauthUri = buildTotpKeyUri({ issuer, label: twoFactorId, secret, params });
    const now = clock.now();
    await credentials.createPending(tenant.clientKey, accountId, { secret, params, createdAt: now });
    await this.deps.audit.record(tenant.clientKey, {
      at: now,
      actorAccountId: accountId,
      action: 'totp.enrollment_started',
      subjectAccountId: accountId,
      detail: { algorithm: params.algorithm, digits: params.digits, period: params.period },
    });
    return { secret, params, otpauthUri, twoFactorId, issuer };
  }

  /**
   * The user typed a code from the new app or token: the pending credential becomes the active one
   * (replacing any earlier), a new set of backup codes is made, and the browser that confirmed counts
   * as verified. Returns the backup codes, shown once, and that browser's session credential.
   */
  async confirm(
    tenant: Tenant,
    accountId: string,
    policy: TenantPolicy,
    code: string,
  ): Promise<{ backupCodes: string[]; sessionToken: string; verifiedUntil: Date }> {
    const { credentials, clock, random } = this.deps;
    const now = clock.now();
    // The code proves a new factor and earns backup codes and a session: it is held to the same
    // lockout budget as "Verify it's you", or confirmation would be an unlimited guessing oracle.
    const counted = await this.deps.state.read(tenant.clientKey, accountId);
    refuseIfLockedOut(policy.lockout, counted, now);
    const pending = await credentials.findPending(tenant.clientKey, accountId);
    if (!pending) {
      throw new TwofoldError('no_pending_enrollment', 'There is no set-up in progress (it may have been finished in another window). Start again.');
    }
    if (now.getTime() - pending.createdAt.getTime() > PENDING_ENROLLMENT_MINUTES * 60_000) {
      await credentials.removePending(tenant.clientKey, accountId);
      throw new TwofoldError(
        'no_pending_enrollment',
        `This set-up expired: a new key must be confirmed within ${PENDING_ENROLLMENT_MINUTES} minutes. Start again and scan the new key.`,
      );
    }
    if (normalizeTotpCode(code)?.length !== pending.params.digits) throw totpCodeShapeError(pending.params.digits);
    // A first factor (no active one) waits for the user's confirmed email address where the policy asks.
    if (counted.credential === null) await this.deps.emailConfirmation?.requireConfirmed(tenant, accountId, policy);
    const attempt = await this.budget.open({ tenant: tenant.clientKey, accountId, lockout: policy.lockout }, counted, now);
    try {
      const result = verifyTotp({ secret: pending.secret, code, params: pending.params, window: policy.totp.window, at: now, lastUsedStep: null });
      if (!result.ok) {
        const [failed] = await Promise.all([attempt.failed(), this.audit(tenant, accountId, now, 'totp.confirm_failed', { failures: attempt.failures })]);
        if (failed.locked) {
          await this.audit(tenant, accountId, now, 'lockout', { scope: failed.locked.scope, until: failed.locked.until.toISOString() });
          throw lockedOut(failed.locked);
        }
        throw new TwofoldError(
          'invalid_code',
          `That code does not match the new key. Type the ${pending.params.digits}-digit code your app or token shows now, and check that its time is correct.`,
          {
            details: { attemptsLeft: failed.attemptsLeft },
          },
        );
      }
      // Hashed before the switch; the switch replaces credential and backup codes in one transaction,
      // so that a failure leaves the old factor and its codes as they were.
      const set = policy.methods.includes('backup_codes') ? await createBackupCodeSet(random) : { codes: [], hashes: [] };
      const activation = await credentials.activate(tenant.clientKey, accountId, pending.id, result.timeStep, now, set.hashes);
      if (!activation.activated) {
        await attempt.giveBack();
        throw new TwofoldError('no_pending_enrollment', 'This set-up was finished or replaced in another window. Start again.');
      }
      const session = startSession(now, policy);
      const issued = issueBrowserSession(random, session);
      await Promise.all([
        attempt.succeeded(),
        this.deps.sessions.save(tenant.clientKey, accountId, session),
        this.deps.browserSessions.create(tenant.clientKey, accountId, issued.record, now),
        this.audit(tenant, accountId, now, 'totp.confirmed', {
          algorithm: pending.params.algorithm,
          digits: pending.params.digits,
          period: pending.params.period,
          replaced: activation.replaced,
          backupCodeCount: set.codes.length,
        }),
      ]);
      return { backupCodes: set.codes, sessionToken: issued.token, verifiedUntil: session.verifiedUntil };
    } catch (error) {
      // A failure of ours decided nothing about the code: the attempt is not counted against the user.
      if (!(error instanceof TwofoldError)) await attempt.giveBack().catch(() => undefined);
      throw error;
    }
  }

  /** Drops a set-up in progress (the active factor, if any, stays). */
  async cancel(tenant: Tenant, accountId: string): Promise<void> {
    await this.deps.credentials.removePending(tenant.clientKey, accountId);
  }

  private audit(
    tenant: Tenant,
    accountId: string,
    at: Date,
    action: 'totp.confirmed' | 'totp.confirm_failed' | 'lockout',
    detail: Record<string, string | number | boolean | null>,
  ): Promise<void> {
    return this.deps.audit.record(tenant.clientKey, { at, actorAccountId: accountId, action, subjectAccountId: accountId, detail });
  }
}
