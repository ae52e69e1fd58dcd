import type { UserDirectory } from '../directory/user-directory';
import type { IdSource, TwoFactorIds } from '../idmap/two-factor-ids';
import type { Clock } from '../ports/clock';
import { isEnforcedFor, type PolicyMethod, type TenantPolicy } from '../policy/policy';
import type { Tenant } from '../tenancy/tenant';
import type { TotpParameters } from './otp-parameters';
import type { TotpCredentialRepository, VerificationSessionRepository } from './ports';
import { isVerified } from './session';
import { workingMethods, type WorkingMethod } from './working-methods';

/** `GET /api/v1/me`: the user's second factor as the status page shows it. Never a secret. */
export interface FactorStatus {
  readonly accountId: string;
  readonly twoFactorId: string;
  readonly twoFactorIdSource: IdSource | 'derived';
  readonly enrolled: boolean;
  readonly required: boolean;
  /** The user's working factors. */
  readonly methods: WorkingMethod[];
  /** What the tenant's policy offers. */
  readonly availableMethods: readonly PolicyMethod[];
  readonly verifiedUntil: Date | null;
  readonly verifiedAt: Date | null;
  readonly pendingEnrollment: boolean;
  readonly totp: (TotpParameters & { confirmedAt: Date | null }) | null;
  readonly backupCodes: { remaining: number } | null;
}

export interface FactorStatusDeps {
  readonly credentials: TotpCredentialRepository;
  readonly sessions: VerificationSessionRepository;
  readonly ids: TwoFactorIds;
  readonly directory: UserDirectory;
  readonly clock: Clock;
  /** Told when the host could not say which groups a user is in (the answer then fails closed). */
  readonly onDirectoryFailure?: (error: unknown) => void;
}

export class FactorStatusService {
  constructor(private readonly deps: FactorStatusDeps) {}

  async status(tenant: Tenant, accountId: string, policy: TenantPolicy): Promise<FactorStatus> {
    const { credentials, sessions, clock } = this.deps;
    const key = tenant.clientKey;
    // One query for the credentials and the unused backup codes, without secrets: nothing here needs one.
    const [{ active, pending, unusedBackupCodes: remaining }, session, id, required] = await Promise.all([
      credentials.enrollmentState(key, accountId),
      sessions.find(key, accountId),
      this.deps.ids.current(tenant, accountId, policy),
      this.isRequired(tenant, accountId, policy),
    ]);
    const now = clock.now();
    const verified = session !== null && isVerified(session.verifiedUntil, now);
    return {
      accountId,
      twoFactorId: id.twoFactorId,
      twoFactorIdSource: id.source,
      enrolled: active !== null,
      required,
      methods: workingMethods(active !== null, remaining, policy),
      availableMethods: policy.methods,
      verifiedUntil: verified ? session.verifiedUntil : null,
      verifiedAt: verified ? session.verifiedAt : null,
      pendingEnrollment: pending,
      totp: active ? { ...active.params, confirmedAt: active.confirmedAt } : null,
      backupCodes: active && policy.methods.includes('backup_codes') ? { remaining } : null,
    };
  }

  /**
   * Whether the policy requires a second factor of this user: a member of an enforced group. When the
   * host cannot tell, the answer is "required" (failing closed asks someone to set up a factor;
   * failing open would let an enforced user skip it).
   */
  async isRequired(tenant: Tenant, accountId: string, policy: TenantPolicy): Promise<boolean> {
    if (policy.enforcedGroups.length === 0) return false;
    try {
      return isEnforcedFor(policy, await this.deps.directory.userGroups(tenant, accountId));
    } catch (error) {
      this.deps.onDirectoryFailure?.(error);
      return true;
    }
  }
}
