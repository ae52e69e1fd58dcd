import type { AuditLog } from '../audit/audit-log';
import type { UserDirectory } from '../directory/user-directory';
import { TwofoldError } from '../errors';
import type { Clock } from '../ports/clock';
import type { TenantPolicy } from '../policy/policy';
import type { Tenant } from '../tenancy/tenant';
import { expandIdPattern, normalizeTwoFactorId } from './id-pattern';

/** How a stored ID came about. */
export type IdSource = 'pattern' | 'admin' | 'user';

export interface IdMapping {
  readonly accountId: string;
  readonly twoFactorId: string;
  readonly source: IdSource;
  readonly updatedAt: Date;
}

/** The tenant's ID mappings (tenant, accountId) → twoFactorId, unique per tenant regardless of case. */
export interface IdMappingRepository {
  find(tenant: string, accountId: string): Promise<IdMapping | null>;
  findMany(tenant: string, accountIds: readonly string[]): Promise<Map<string, IdMapping>>;
  /**
   * Sets the user's ID (insert or replace). Returns false, changing nothing, if another user of the
   * tenant has an ID with the same `key` (the unique index decides, so concurrent claims cannot both win).
   */
  assign(tenant: string, accountId: string, twoFactorId: string, key: string, source: IdSource, at: Date): Promise<boolean>;
  /**
   * The tenant's mappings in accountId order, after `after` (exclusive), at most `limit`: Cloud accounts,
   * or with `dataCenter` the Jira Server/DC ones (`dc:` + user key). Keyset paging, so that a sync job
   * pages 20,000 mappings with an index and resumes after the last accountId it planned.
   */
  listPage(tenant: string, options: { after: string | null; limit: number; dataCenter: boolean }): Promise<IdMapping[]>;
  /** Who holds the ID with this uniqueness key (`normalizeTwoFactorId().key`), or null. */
  holderOf(tenant: string, key: string): Promise<string | null>;
}

/**
 * Each user's 2FA ID: the stored one, else what the policy's pattern gives (host lookup), else the
 * accountId. An ID is stored the first time it matters (enrollment), so that the label in the
 * user's authenticator app stays what it was even if the pattern changes later.
 */
/** What `availability` answers: the normalised ID when it is one, else why not. */
export type IdAvailability =
  { readonly state: 'available' | 'taken' | 'yours'; readonly twoFactorId: string } | { readonly state: 'invalid'; readonly reason: string };

export class TwoFactorIds {
  constructor(
    private readonly mappings: IdMappingRepository,
    private readonly directory: UserDirectory,
    private readonly audit: AuditLog,
    private readonly clock: Clock,
  ) {}

  /** The user's ID as it is or would be, and whether it is stored. */
  async current(tenant: Tenant, accountId: string, policy: TenantPolicy): Promise<{ twoFactorId: string; source: IdSource | 'derived' }> {
    return this.currentFrom(tenant, accountId, policy, await this.mappings.find(tenant.clientKey, accountId));
  }

  /** `current` for a caller that has read the stored mapping (or its absence) already, with other state. */
  async currentFrom(
    tenant: Tenant,
    accountId: string,
    policy: TenantPolicy,
    stored: IdMapping | null,
  ): Promise<{ twoFactorId: string; source: IdSource | 'derived' }> {
    if (stored) return { twoFactorId: stored.twoFactorId, source: stored.source };
    return { twoFactorId: await this.derive(tenant, accountId, policy), source: 'derived' };
  }

  /** What the pattern gives for users already looked up (admin listings), without storing it. */
  deriveFor(policy: TenantPolicy, user: { accountId: string; emailAddress: string | null }): string {
    const expanded = expandIdPattern(policy.idPattern, user);
    return expanded.ok ? expanded.twoFactorId : user.accountId;
  }

  /**
   * The user's stored ID, deriving and storing it first if there is none. `known`: the user's email as
   * another directory reported it (a Data Center user, whom the Cloud host does not know).
   */
  async ensure(tenant: Tenant, accountId: string, policy: TenantPolicy, known?: { emailAddress: string | null }): Promise<string> {
    const stored = await this.mappings.find(tenant.clientKey, accountId);
    if (stored) return stored.twoFactorId;
    // The pattern's ID, or if another user holds it already (two people with the same local part),
    // the accountId, which is unique by nature.
    const derived =
      known === undefined ? await this.derive(tenant, accountId, policy) : this.deriveFor(policy, { accountId, emailAddress: known.emailAddress });
    for (const candidate of [derived, accountId]) {
      const normalized = normalizeTwoFactorId(candidate);
      if (!normalized.ok) continue;
      if (await this.mappings.assign(tenant.clientKey, accountId, normalized.twoFactorId, normalized.key, 'pattern', this.clock.now())) {
        return normalized.twoFactorId;
      }
      const raced = await this.mappings.find(tenant.clientKey, accountId);
      if (raced) return raced.twoFactorId; // a concurrent request of the same user stored it
    }
    throw new TwofoldError('id_taken', 'No 2FA ID could be given to you: the usual ones are taken. Ask your Jira administrator to assign one.');
  }

  /**
   * An admin, or the user themselves (`source: 'user'`), sets the ID: `400 invalid_request`,
   * `409 id_taken`. A user may do so only if the policy allows user-chosen IDs (`403 forbidden`), and
   * may not take an ID shaped like an email address unless it is their own (`400`): IDs are usually
   * email addresses (`%email%`), and nobody may claim `bob@…` before Bob enrolls.
   */
  async assign(
    tenant: Tenant,
    actorAccountId: string,
    accountId: string,
    twoFactorId: unknown,
    source: 'admin' | 'user',
    policy: TenantPolicy,
  ): Promise<IdMapping> {
    if (source === 'user' && !policy.allowUserChosenId) throw new TwofoldError('forbidden', 'On this site your administrator assigns 2FA IDs.');
    const normalized = normalizeTwoFactorId(twoFactorId);
    if (!normalized.ok) {
      throw new TwofoldError('invalid_request', `The 2FA ID ${normalized.problem}.`, {
        details: { fields: [{ field: 'twoFactorId', problem: normalized.problem }] },
      });
    }
    if (source === 'user') await this.refuseSomeoneElsesEmail(tenant, accountId, normalized.key, policy);
    const at = this.clock.now();
    const previous = await this.mappings.find(tenant.clientKey, accountId);
    if (previous?.twoFactorId === normalized.twoFactorId) return previous;
    if (!(await this.mappings.assign(tenant.clientKey, accountId, normalized.twoFactorId, normalized.key, source, at))) {
      throw new TwofoldError('id_taken', `The 2FA ID "${normalized.twoFactorId}" belongs to another user of this site.`);
    }
    await this.audit.record(tenant.clientKey, {
      at,
      actorAccountId,
      action: 'user.id_assigned',
      subjectAccountId: accountId,
      detail: { twoFactorId: normalized.twoFactorId, previous: previous?.twoFactorId ?? null, source },
    });
    return { accountId, twoFactorId: normalized.twoFactorId, source, updatedAt: at };
  }

  /**
   * Whether the user could take `typed` as their ID now (`GET /api/v1/me/id-availability`): the same
   * checks `assign` makes, without assigning. `taken` never says by whom.
   */
  async availability(tenant: Tenant, accountId: string, typed: unknown, policy: TenantPolicy): Promise<IdAvailability> {
    const normalized = normalizeTwoFactorId(typed);
    if (!normalized.ok) return { state: 'invalid', reason: `The 2FA ID ${normalized.problem}.` };
    try {
      await this.refuseSomeoneElsesEmail(tenant, accountId, normalized.key, policy);
    } catch (error) {
      if (error instanceof TwofoldError) return { state: 'invalid', reason: error.message };
      throw error;
    }
    const holder = await this.mappings.holderOf(tenant.clientKey, normalized.key);
    if (holder === null) return { state: 'available', twoFactorId: normalized.twoFactorId };
    return holder === accountId ? { state: 'yours', twoFactorId: normalized.twoFactorId } : { state: 'taken', twoFactorId: normalized.twoFactorId };
  }

  /**
   * "Looks like an email address": anything of the form `local@domain`, dotted or not, since a
   * pattern such as `%emailLocalPart%@acme` makes IDs like `bob@acme`. The user's own email address,
   * and what the policy's pattern gives for them, remain theirs to choose.
   */
  private async refuseSomeoneElsesEmail(tenant: Tenant, accountId: string, key: string, policy: TenantPolicy): Promise<void> {
    if (!/^[^@]+@[^@]+$/.test(key)) return;
    const emailAddress = (await this.directory.getUser(tenant, accountId))?.emailAddress ?? null;
    const own = [emailAddress, this.deriveFor(policy, { accountId, emailAddress })];
    if (own.some((id) => id !== null && id.trim().toLowerCase() === key)) return;
    throw new TwofoldError(
      'invalid_request',
      'A 2FA ID shaped like an email address must be your own email address. Pick an ID without an @, or use your own address.',
      {
        details: { fields: [{ field: 'twoFactorId', problem: 'looks like an email address that is not yours' }] },
      },
    );
  }

  private async derive(tenant: Tenant, accountId: string, policy: TenantPolicy): Promise<string> {
    if (!/%(email|emailLocalPart|username)%/.test(policy.idPattern)) return this.deriveFor(policy, { accountId, emailAddress: null });
    const user = await this.directory.getUser(tenant, accountId);
    return this.deriveFor(policy, { accountId, emailAddress: user?.emailAddress ?? null });
  }
}
