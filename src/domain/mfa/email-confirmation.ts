import type { AuditLog } from '../audit/audit-log';
import type { UserDirectory } from '../directory/user-directory';
import { TwofoldError } from '../errors';
import type { Clock } from '../ports/clock';
import type { TenantPolicy } from '../policy/policy';
import type { Tenant } from '../tenancy/tenant';
import { AttemptBudget, lockedOut, refuseIfLockedOut } from './attempt-budget';
import { findEmailCode, normalizeEmailCode, type EmailCodeRepository } from './email-code';
import type { FailureCounterRepository, VerificationStateReader } from './ports';

/** The address a user confirmed during onboarding. */
export interface EmailConfirmationRepository {
  confirmedAddress(tenant: string, accountId: string): Promise<string | null>;
  saveConfirmation(tenant: string, accountId: string, address: string, at: Date): Promise<void>;
}

export interface EmailConfirmationDeps {
  readonly codes: EmailCodeRepository;
  readonly confirmations: EmailConfirmationRepository;
  readonly directory: Pick<UserDirectory, 'getUser'>;
  readonly state: VerificationStateReader;
  readonly failures: FailureCounterRepository;
  readonly audit: AuditLog;
  readonly clock: Clock;
}

/**
 * Onboarding's email confirmation (policy `confirmEmailOnEnrollment`, as SecSign activates a new ID):
 * before a user's *first* factor is activated, they type a code sent to their Jira address
 * (`POST /api/v1/me/email/confirm`). The code is held to the same lockout budget as every other code.
 * A confirmation counts for the address it was sent to: when Jira later shows another address, it
 * must be confirmed again.
 */
export class EmailConfirmation {
  private readonly budget: AttemptBudget;

  constructor(private readonly deps: EmailConfirmationDeps) {
    this.budget = new AttemptBudget(deps.failures);
  }

  /** Whether the user's current Jira address is the one they confirmed. */
  async isConfirmed(tenant: Tenant, accountId: string): Promise<boolean> {
    const [confirmed, user] = await Promise.all([
      this.deps.confirmations.confirmedAddress(tenant.clientKey, accountId),
      this.deps.directory.getUser(tenant, accountId),
    ]);
    const current = user?.emailAddress ?? null;
    return confirmed !== null && current !== null && confirmed.toLowerCase() === current.toLowerCase();
  }

  /** `403 email_not_confirmed` unless the policy asks for no confirmation, or the address is confirmed. */
  async requireConfirmed(tenant: Tenant, accountId: string, policy: TenantPolicy): Promise<void> {
    if (!policy.confirmEmailOnEnrollment || (await this.isConfirmed(tenant, accountId))) return;
    throw new TwofoldError('email_not_confirmed', 'Confirm your email address with the code we send you before you set up two-step verification.');
  }

  async confirm(tenant: Tenant, accountId: string, policy: TenantPolicy, typed: string): Promise<{ confirmedAt: Date }> {
    const key = tenant.clientKey;
    const now = this.deps.clock.now();
    const code = normalizeEmailCode(typed);
    if (code === null) {
      throw new TwofoldError('invalid_request', 'Type the 8-digit code from the email.', {
        details: { fields: [{ field: 'emailCode', problem: 'must be 8 digits' }], digits: 8 },
      });
    }
    const counted = await this.deps.state.read(key, accountId);
    refuseIfLockedOut(policy.lockout, counted, now);
    const attempt = await this.budget.open({ tenant: key, accountId, lockout: policy.lockout }, counted, now);
    try {
      const match = findEmailCode(code, await this.deps.codes.live(key, accountId, 'confirm_email', now));
      const taken = match === null || match.usedAt !== null ? null : await this.deps.codes.redeem(key, accountId, match.id, now);
      if (match !== null && taken === null) {
        await attempt.giveBack();
        throw new TwofoldError('code_reused', 'That email code was already used. Ask for a new one.');
      }
      if (taken === null) {
        const failed = await attempt.failed();
        if (failed.locked) throw lockedOut(failed.locked);
        throw new TwofoldError('invalid_code', 'That email code is not right, or it expired (codes last 10 minutes). Ask for a new one.', {
          details: { attemptsLeft: failed.attemptsLeft },
        });
      }
      await Promise.all([
        attempt.succeeded(),
        this.deps.confirmations.saveConfirmation(key, accountId, taken.address, now),
        this.deps.audit.record(key, { at: now, actorAccountId: accountId, action: 'email.confirmed', subjectAccountId: accountId, detail: {} }),
      ]);
      return { confirmedAt: now };
    } catch (error) {
      if (!(error instanceof TwofoldError)) await attempt.giveBack().catch(() => undefined);
      throw error;
    }
  }
}
