import type { UserDirectory } from '../directory/user-directory';
import type { IdSource, TwoFactorIds } from '../idmap/two-factor-ids';
import type { Clock } from '../ports/clock';
import { isEnforcedFor, type PolicyMethod, type TenantPolicy } from '../policy/policy';
import type { Tenant } from '../tenancy/tenant';
import { hashSessionCredential } from './browser-session';
import type { TotpParameters } from './otp-parameters';
import type { FactorStatusReader } from './ports';
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
  /** When the session of the browser that asked ends (null: this browser holds no live session). */
  readonly verifiedUntil: Date | null;
  /** When that browser session started. */
  readonly verifiedAt: Date | null;
  /** The account's last verification in any browser: a display, never a permission. */
  readonly lastVerifiedAt: Date | null;
  readonly pendingEnrollment: boolean;
  readonly totp: (TotpParameters & { confirmedAt: Date | null }) | null;
  readonly backupCodes: { remaining: number } | null;
  /**
   * When the user's lockout after wrong codes ends, or null when they may try now: the Verify page
   * shows it on load instead of a form that would only answer `429 locked_out`.
   */
  readonly lockedUntil: Date | null;
  /**
   * The policy requires a second factor of this user and they have no working one (`methods` empty):
   * every Twofold page sends them to set one up (onboarding).
   */
  readonly onboardingRequired: boolean;
}

export interface FactorStatusDeps {
  /** The user's stored state in one read (ports.ts). */
  readonly reader: FactorStatusReader;
  readonly ids: TwoFactorIds;
  readonly directory: UserDirectory;
  readonly clock: Clock;
  /** Told when the host could not say which groups a user is in (the answer then fails closed). */
  readonly onDirectoryFailure?: (error: unknown) => void;
  /** Whether email codes are usable by this user now (email-code-service.ts `usableFor`); absent: never. */
  readonly emailUsable?: (tenant: Tenant, accountId: string, policy: TenantPolicy) => Promise<boolean>;
  /** How many phones the user paired (src/domain/approvals): the access pass works with one. */
  readonly pairedDevices?: (tenant: string, accountId: string) => Promise<number>;
}

export class FactorStatusService {
  constructor(private readonly deps: FactorStatusDeps) {}

  /** `sessionCredential`: what the asking browser presented (`X-Twofold-Session`), or null. */
  async status(tenant: Tenant, accountId: string, policy: TenantPolicy, sessionCredential: string | null = null): Promise<FactorStatus> {
    const { reader, clock } = this.deps;
    const now = clock.now();
    const read = reader.read(tenant.clientKey, accountId, hashSessionCredential(sessionCredential), now);
    const [stored, id, required, email, devices] = await Promise.all([
      read,
      read.then((state) => this.deps.ids.currentFrom(tenant, accountId, policy, state.idMapping)),
      this.isRequired(tenant, accountId, policy),
      this.deps.emailUsable?.(tenant, accountId, policy) ?? false,
      this.deps.pairedDevices?.(tenant.clientKey, accountId) ?? 0,
    ]);
    const { active, pending, unusedBackupCodes: remaining } = stored.enrollment;
    // The browser's session counts only while it is live.
    const browser = stored.browserSession !== null && isVerified(stored.browserSession.verifiedUntil, now) ? stored.browserSession : null;
    const last = stored.lastSession;
    const accessPass: WorkingMethod[] = active !== null && devices > 0 && policy.methods.includes('access_pass') ? ['access_pass'] : [];
    const methods: WorkingMethod[] = [...workingMethods(active !== null, remaining, policy), ...(email ? (['email'] as const) : []), ...accessPass];
    return {
      accountId,
      twoFactorId: id.twoFactorId,
      twoFactorIdSource: id.source,
      enrolled: active !== null,
      required,
      methods,
      availableMethods: policy.methods,
      verifiedUntil: browser?.verifiedUntil ?? null,
      verifiedAt: browser?.verifiedAt ?? null,
      lastVerifiedAt: last?.verifiedAt ?? null,
      pendingEnrollment: pending,
      totp: active ? { ...active.params, confirmedAt: active.confirmedAt } : null,
      backupCodes: active && policy.methods.includes('backup_codes') ? { remaining } : null,
      lockedUntil: stored.lockedUntil,
      onboardingRequired: required && methods.length === 0,
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
