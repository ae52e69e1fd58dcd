import type { UserDirectory } from '../directory/user-directory';
import { TwofoldError } from '../errors';
import type { IdMappingRepository, IdSource, TwoFactorIds } from '../idmap/two-factor-ids';
import { isEnforcedFor, type TenantPolicy } from '../policy/policy';
import type { Tenant } from '../tenancy/tenant';
import type { Clock } from '../ports/clock';
import type { BackupCodeRepository, FailureCounterRepository, TotpCredentialRepository } from './ports';
import { workingMethods, type WorkingMethod } from './working-methods';

export interface RosterEntry {
  readonly accountId: string;
  readonly displayName: string;
  readonly active: boolean;
  readonly twoFactorId: string;
  readonly twoFactorIdSource: IdSource | 'derived';
  readonly enrolled: boolean;
  /**
   * Whether the policy requires a second factor of this user (a member of an enforced group), so that
   * the page can tell "required, not set up" from "optional". Fails closed as GET /api/v1/me does:
   * when the host cannot say which groups the user is in, required.
   */
  readonly required: boolean;
  readonly methods: WorkingMethod[];
  /** When the user's lockout after wrong codes ends; null if not locked out. */
  readonly lockedUntil: Date | null;
}

export interface RosterQuery {
  readonly group?: string;
  readonly enrolled?: boolean;
  readonly cursor?: string;
  readonly limit: number;
}

export interface RosterPage {
  readonly users: RosterEntry[];
  readonly nextCursor: string | null;
}

/**
 * `GET /api/v1/admin/users`: a page of the site's users (from the host: all users, or a group's
 * members) with what Twofold knows of each, read for the whole page in one query per table. The
 * `enrolled` filter applies within the host's page, so a page may hold fewer users than `limit`
 * while `nextCursor` still leads on.
 */
export class UserRoster {
  constructor(
    private readonly directory: UserDirectory,
    private readonly mappings: IdMappingRepository,
    private readonly credentials: TotpCredentialRepository,
    private readonly backupCodes: BackupCodeRepository,
    private readonly ids: TwoFactorIds,
    private readonly failures: FailureCounterRepository,
    private readonly clock: Clock,
    /** Which users have a paired phone (src/domain/approvals), for `access_pass` in `methods`. */
    private readonly pairedAccounts: (tenant: string, accountIds: readonly string[]) => Promise<Set<string>> = async () => new Set(),
  ) {}

  async page(tenant: Tenant, policy: TenantPolicy, query: RosterQuery): Promise<RosterPage> {
    const startAt = decodeCursor(query.cursor);
    const page = query.group
      ? await this.directory.groupMembers(tenant, query.group, startAt, query.limit)
      : await this.directory.listUsers(tenant, startAt, query.limit);
    const accountIds = page.users.map((user) => user.accountId);
    const [mapped, enrolled, unused, locked, required, paired] = await Promise.all([
      this.mappings.findMany(tenant.clientKey, accountIds),
      this.credentials.activeAccounts(tenant.clientKey, accountIds),
      this.backupCodes.countUnusedMany(tenant.clientKey, accountIds),
      this.failures.lockedUntilMany(tenant.clientKey, accountIds, this.clock.now()),
      this.requiredAmong(tenant, policy, accountIds),
      this.pairedAccounts(tenant.clientKey, accountIds),
    ]);
    const users = page.users
      .map((user): RosterEntry => {
        const mapping = mapped.get(user.accountId);
        const isEnrolled = enrolled.has(user.accountId);
        return {
          accountId: user.accountId,
          displayName: user.displayName,
          active: user.active,
          twoFactorId: mapping?.twoFactorId ?? this.ids.deriveFor(policy, user),
          twoFactorIdSource: mapping?.source ?? 'derived',
          enrolled: isEnrolled,
          required: required.has(user.accountId),
          methods: [
            ...workingMethods(isEnrolled, unused.get(user.accountId) ?? 0, policy),
            ...(isEnrolled && paired.has(user.accountId) && policy.methods.includes('access_pass') ? (['access_pass'] as const) : []),
          ],
          lockedUntil: locked.get(user.accountId) ?? null,
        };
      })
      .filter((entry) => query.enrolled === undefined || entry.enrolled === query.enrolled);
    return { users, nextCursor: page.isLast || page.users.length === 0 ? null : encodeCursor(startAt + page.users.length) };
  }

  /**
   * The users of `accountIds` the policy requires a second factor of. One host question per user (the
   * directory caches them), a few at a time so that a page of 100 does not fire 100 requests at once;
   * none without enforced groups.
   */
  private async requiredAmong(tenant: Tenant, policy: TenantPolicy, accountIds: readonly string[]): Promise<Set<string>> {
    const required = new Set<string>();
    if (policy.enforcedGroups.length === 0) return required;
    const queue = [...accountIds];
    const worker = async (): Promise<void> => {
      for (let accountId = queue.shift(); accountId !== undefined; accountId = queue.shift()) {
        const groups = await this.directory.userGroups(tenant, accountId).catch(() => null);
        if (groups === null || isEnforcedFor(policy, groups)) required.add(accountId);
      }
    };
    await Promise.all(Array.from({ length: Math.min(REQUIRED_LOOKUPS_AT_ONCE, queue.length) }, worker));
    return required;
  }
}

/** How many host questions about group membership the roster has open at once. */
const REQUIRED_LOOKUPS_AT_ONCE = 8;

function encodeCursor(startAt: number): string {
  return Buffer.from(JSON.stringify({ s: startAt })).toString('base64url');
}

function decodeCursor(cursor: string | undefined): number {
  if (cursor === undefined || cursor === '') return 0;
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { s?: unknown };
    if (typeof parsed.s === 'number' && Number.isInteger(parsed.s) && parsed.s >= 0) return parsed.s;
  } catch {
    // fall through
  }
  throw new TwofoldError('invalid_request', 'The cursor is not one this API handed out. Start from the first page.', {
    details: { fields: [{ field: 'cursor', problem: 'is not valid' }] },
  });
}
