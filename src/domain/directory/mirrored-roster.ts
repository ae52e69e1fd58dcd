import type { IdSource } from '../idmap/two-factor-ids';
import { workingMethods, type WorkingMethod } from '../mfa/working-methods';
import { isEnforcedFor, type TenantPolicy } from '../policy/policy';
import type { Clock } from '../ports/clock';
import type { DirectoryMirror, MirrorQuery, MirrorSource, MirrorStatus } from './directory-mirror';

/** One row of the users page served from the mirror: the contract's fields and the extensions. */
export interface MirroredRosterEntry {
  readonly accountId: string;
  readonly displayName: string;
  readonly emailAddress: string | null;
  readonly active: boolean;
  readonly source: MirrorSource;
  readonly groups: readonly string[];
  readonly twoFactorId: string;
  readonly twoFactorIdSource: IdSource | 'derived';
  readonly enrolled: boolean;
  /** A member of an enforced group (the mirror knows every user's groups, so it never has to guess). */
  readonly required: boolean;
  readonly methods: WorkingMethod[];
  readonly lockedUntil: Date | null;
  readonly lastVerifiedAt: Date | null;
}

export interface MirroredRosterPage {
  readonly users: MirroredRosterEntry[];
  readonly nextCursor: string | null;
  /** When the mirror was last refreshed, per source. */
  readonly directory: readonly MirrorStatus[];
}

export interface MirroredRosterDeps {
  mirror: DirectoryMirror;
  /** What the policy's pattern gives a user without a stored ID (TwoFactorIds.deriveFor). */
  deriveId(policy: TenantPolicy, user: { accountId: string; emailAddress: string | null }): string;
  clock: Clock;
}

/**
 * `GET /api/v1/admin/users` from the directory mirror: one indexed query for the page (with each user's
 * backup codes and lockout) beside the mirror's status, and nothing asked of the host. Null while the tenant's mirror was
 * never filled (the route then answers from the host, as before).
 */
export class MirroredRoster {
  constructor(private readonly deps: MirroredRosterDeps) {}

  async status(tenant: string): Promise<MirrorStatus[]> {
    return this.deps.mirror.status(tenant);
  }

  async page(tenant: string, policy: TenantPolicy, query: MirrorQuery): Promise<MirroredRosterPage | null> {
    // The status first: before the first refresh the host-backed route answers, and its cursors are not ours.
    const directory = await this.deps.mirror.status(tenant);
    if (directory.length === 0) return null;
    const page = await this.deps.mirror.page(tenant, query);
    const now = this.deps.clock.now();
    const users = page.rows.map((row): MirroredRosterEntry => ({
      accountId: row.accountId,
      displayName: row.displayName,
      emailAddress: row.emailAddress,
      active: row.active,
      source: row.source,
      groups: row.groups,
      twoFactorId: row.twoFactorId ?? this.deps.deriveId(policy, row),
      twoFactorIdSource: row.twoFactorIdSource ?? 'derived',
      enrolled: row.enrolled,
      required: isEnforcedFor(policy, row.groups),
      methods: workingMethods(row.enrolled, row.unusedBackupCodes, policy),
      lockedUntil: row.lockedUntil !== null && row.lockedUntil > now ? row.lockedUntil : null,
      lastVerifiedAt: row.lastVerifiedAt,
    }));
    return { users, nextCursor: page.nextCursor, directory };
  }
}
