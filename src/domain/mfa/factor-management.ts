import type { AuditLog } from '../audit/audit-log';
import { TwofoldError } from '../errors';
import type { Clock } from '../ports/clock';
import type { Random } from '../ports/random';
import type { TenantPolicy } from '../policy/policy';
import { createBackupCodeSet } from './backup-code-hash';
import type { BrowserSessions } from './browser-session';
import type { BackupCodeRepository, FailureCounterRepository, TotpCredentialRepository } from './ports';
import type { StepUp } from './step-up';
import { notEnrolled, type VerificationInput } from './verification-service';

export interface FactorManagementDeps {
  readonly credentials: TotpCredentialRepository;
  readonly backupCodes: BackupCodeRepository;
  readonly failures: FailureCounterRepository;
  readonly stepUp: StepUp;
  readonly browserSessions: BrowserSessions;
  readonly audit: AuditLog;
  readonly clock: Clock;
  readonly random: Random;
  /** Removes the user's paired phones (src/domain/approvals): they go with the factor they were added to. */
  readonly removeDevices?: (tenant: string, accountId: string) => Promise<unknown>;
}

/** Removing factors (by the user, or an admin for a lost phone), lifting lockouts, and new backup codes. */
export class FactorManagement {
  constructor(private readonly deps: FactorManagementDeps) {}

  /**
   * The user removes their own TOTP credential (and with it the backup codes, which back it up, and
   * every browser session). An active one needs a code entered for this (`proof`); a set-up in
   * progress goes freely.
   */
  async removeOwn(tenant: string, accountId: string, policy: TenantPolicy, proof: VerificationInput | null): Promise<void> {
    const { credentials } = this.deps;
    if ((await credentials.enrollmentState(tenant, accountId)).active === null) {
      await credentials.removePending(tenant, accountId);
      return;
    }
    await this.deps.stepUp.requireCode({ tenant, accountId, policy }, proof, 'totp.remove');
    const removed = await this.removeEverything(tenant, accountId);
    await this.deps.audit.record(tenant, {
      at: this.deps.clock.now(),
      actorAccountId: accountId,
      action: 'totp.removed',
      subjectAccountId: accountId,
      detail: removed,
    });
  }

  /**
   * An admin removes a user's second factors (lost phone): also ends every browser session of the
   * user and lifts a lockout. The admin route already demands a recent session of the admin's browser
   * (sudo mode); an admin resetting their *own* working factor is removing it, and needs what
   * `removeOwn` needs as well: a code entered for this (`proof`).
   */
  async adminReset(tenant: string, adminAccountId: string, accountId: string, policy: TenantPolicy, proof: VerificationInput | null): Promise<void> {
    if (adminAccountId === accountId && (await this.deps.credentials.enrollmentState(tenant, accountId)).active !== null) {
      await this.deps.stepUp.requireCode({ tenant, accountId, policy }, proof, 'admin.reset_own');
    }
    const removed = await this.removeEverything(tenant, accountId);
    await this.deps.failures.resetUser(tenant, accountId);
    await this.deps.audit.record(tenant, {
      at: this.deps.clock.now(),
      actorAccountId: adminAccountId,
      action: 'admin.reset',
      subjectAccountId: accountId,
      detail: removed,
    });
  }

  /** An admin lifts a user's lockout after wrong codes; the user's factors stay as they are. */
  async unlock(tenant: string, adminAccountId: string, accountId: string): Promise<void> {
    const now = this.deps.clock.now();
    const lockedUntil = (await this.deps.failures.lockedUntilMany(tenant, [accountId], now)).get(accountId) ?? null;
    await this.deps.failures.resetUser(tenant, accountId);
    await this.deps.audit.record(tenant, {
      at: now,
      actorAccountId: adminAccountId,
      action: 'user.unlocked',
      subjectAccountId: accountId,
      detail: { wasLockedUntil: lockedUntil?.toISOString() ?? null },
    });
  }

  /** A new set of backup codes, voiding the old one; needs a code entered for this (`proof`). Shown once. */
  async regenerateBackupCodes(tenant: string, accountId: string, policy: TenantPolicy, proof: VerificationInput | null): Promise<{ backupCodes: string[] }> {
    if (!policy.methods.includes('backup_codes')) {
      throw new TwofoldError('method_disabled', 'Backup codes are turned off on this site.');
    }
    if ((await this.deps.credentials.enrollmentState(tenant, accountId)).active === null) throw notEnrolled();
    await this.deps.stepUp.requireCode({ tenant, accountId, policy }, proof, 'backup_codes.regenerate');
    const set = await createBackupCodeSet(this.deps.random);
    const now = this.deps.clock.now();
    await this.deps.backupCodes.replaceSet(tenant, accountId, set.hashes, now);
    await this.deps.audit.record(tenant, {
      at: now,
      actorAccountId: accountId,
      action: 'backup_codes.regenerated',
      subjectAccountId: accountId,
      detail: { count: set.codes.length },
    });
    return { backupCodes: set.codes };
  }

  /**
   * Credentials and backup codes in one transaction, and every browser session of the user: a failure
   * half-way must not leave a live session (up to a week) after an admin's "lost phone" reset. The
   * sessions end first (a failure then has removed nothing, and the admin tries again) and once more
   * after the factor is gone, for a verification that raced the removal.
   */
  private async removeEverything(tenant: string, accountId: string): Promise<{ totpCredentials: number; backupCodesRemoved: number }> {
    await this.deps.browserSessions.endAll(tenant, accountId);
    const removed = await this.deps.credentials.removeSecondFactor(tenant, accountId);
    await this.deps.removeDevices?.(tenant, accountId);
    await this.deps.browserSessions.endAll(tenant, accountId);
    return removed;
  }
}
