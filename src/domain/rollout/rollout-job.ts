import type { AuditEntry } from '../audit/audit-log';
import type { UserDirectory } from '../directory/user-directory';
import { TwofoldError } from '../errors';
import type { IdMapping } from '../idmap/two-factor-ids';
import { asJobFailure } from '../jobs/upstream-failure';
import { JobStop, type ItemOutcome, type JobContext, type JobKind, type JobTransaction, type PlannedPage } from '../jobs/job-kind';
import type { Clock } from '../ports/clock';
import type { JiraServerClient } from '../ports/jira-server-client';
import type { Tenant } from '../tenancy/tenant';
import { decideRolloutId, rolloutCandidate, type RolloutMember } from './rollout-id-plan';

export const ROLLOUT_KIND = 'rollout';

/** A rollout as stored with its job: the pattern is fixed when the job starts, not read again on resume. */
export interface RolloutParams {
  readonly group: string;
  readonly idPattern: string;
  readonly target: 'host' | 'connector';
  readonly overwrite: boolean;
}

/** The writes of one rollout item, in the item's own transaction (src/adapters/db/rollout-writes.ts). */
export interface RolloutWrites {
  mapping(tenant: string, accountId: string): Promise<IdMapping | null>;
  /** Who holds the ID with this uniqueness key, if anyone (their name as the directory mirror knows it). */
  holderOf(tenant: string, key: string): Promise<IdHolder | null>;
  /** Inserts or replaces the member's ID; false when the unique index refuses it (a concurrent claim). */
  assign(tenant: string, accountId: string, twoFactorId: string, key: string, at: Date): Promise<boolean>;
  audit(tenant: string, entry: AuditEntry): Promise<void>;
}

export interface IdHolder {
  readonly accountId: string;
  readonly displayName: string | null;
}

export interface RolloutJobDeps {
  directory: UserDirectory;
  findTenant(clientKey: string): Promise<Tenant | null>;
  connectorClient(clientKey: string): Promise<JiraServerClient>;
  writesIn(transaction: JobTransaction): RolloutWrites;
  /** Adds the group to the policy's enforced groups (as the admin who started the rollout). */
  enforceGroup(tenant: Tenant, actorAccountId: string | null, group: string): Promise<void>;
  /** Called after the rollout (the directory mirror refreshes then). */
  afterRollout?(tenant: string, target: 'host' | 'connector', actorAccountId: string | null): Promise<void>;
  clock: Clock;
}

const PAGE_SIZE = 50;

/**
 * SecSign's batch rollout as a durable job: every member of a group (read from the Jira Cloud host, or
 * from Jira Server/DC through the connector, where a user is `dc:` + their user key) gets the 2FA ID the
 * pattern gives (decideRolloutId), and in `finish` the group joins the enforced groups, so they must use
 * two-step verification. Each ID written is audited (`user.id_assigned` with `previous`), in the same
 * transaction as the ID itself.
 */
export function rolloutJob(deps: RolloutJobDeps): JobKind<RolloutParams> {
  const tenantOf = async (clientKey: string): Promise<Tenant> => {
    const tenant = await deps.findTenant(clientKey);
    if (!tenant) throw new JobStop('tenant_uninstalled', 'Twofold is no longer installed on this site.');
    return tenant;
  };

  return {
    kind: ROLLOUT_KIND,
    concurrency: 4,
    parseParams(raw) {
      const params = raw as Partial<RolloutParams> | null;
      if (!params || typeof params.group !== 'string' || typeof params.idPattern !== 'string' || (params.target !== 'host' && params.target !== 'connector')) {
        throw new TwofoldError('internal_error', 'a stored rollout has unreadable parameters');
      }
      return { group: params.group, idPattern: params.idPattern, target: params.target, overwrite: params.overwrite === true };
    },

    async plan(context, params, cursor): Promise<PlannedPage> {
      try {
        const members = params.target === 'host' ? await hostPage(context, params, cursor) : await connectorPage(context, params, cursor);
        return { items: members.members.map((member) => ({ key: member.accountId, payload: { ...member } })), nextCursor: members.next };
      } catch (error) {
        throw asJobFailure(error, params.target);
      }
    },

    async runItem(context, params, item): Promise<ItemOutcome> {
      const member = item.payload as unknown as RolloutMember;
      if (!context.transaction) throw new TwofoldError('internal_error', 'a rollout item ran without its transaction');
      return context.transaction(async (transaction) => {
        const writes = deps.writesIn(transaction);
        const current = await writes.mapping(context.tenant, member.accountId);
        const candidate = rolloutCandidate(params.idPattern, member);
        const holder = candidate.ok ? await writes.holderOf(context.tenant, candidate.key) : null;
        const final = decideRolloutId({ member, pattern: params.idPattern, current, overwrite: params.overwrite, holderOf: () => holder?.accountId ?? null });
        switch (final.action) {
          case 'unchanged':
          case 'keep':
            return { ok: true, detail: { twoFactorId: final.twoFactorId, action: final.action } };
          case 'unusable':
            return { ok: false, code: 'id_unusable', message: `${describe(member)}: ${final.problem}.` };
          case 'conflict':
            return conflict(member, final.twoFactorId, holder ?? { accountId: final.holderAccountId, displayName: null });
          case 'assign': {
            const at = deps.clock.now();
            if (!(await writes.assign(context.tenant, member.accountId, final.twoFactorId, final.key, at))) {
              return conflict(
                member,
                final.twoFactorId,
                (await writes.holderOf(context.tenant, final.key)) ?? { accountId: 'another user', displayName: null },
              );
            }
            await writes.audit(context.tenant, {
              at,
              actorAccountId: context.actorAccountId,
              action: 'user.id_assigned',
              subjectAccountId: member.accountId,
              detail: { twoFactorId: final.twoFactorId, previous: final.previous, source: 'pattern', jobId: context.jobId },
            });
            return { ok: true, detail: { twoFactorId: final.twoFactorId, action: final.previous === null ? 'assigned' : 'changed' } };
          }
        }
      });
    },

    async finish(context, params) {
      const tenant = await tenantOf(context.tenant);
      await deps.enforceGroup(tenant, context.actorAccountId, params.group);
      await deps.afterRollout?.(context.tenant, params.target, context.actorAccountId);
    },
  };

  async function hostPage(context: JobContext, params: RolloutParams, cursor: string | null): Promise<{ members: RolloutMember[]; next: string | null }> {
    const startAt = cursor === null ? 0 : Number(cursor);
    const page = await deps.directory.groupMembers(await tenantOf(context.tenant), params.group, startAt, PAGE_SIZE);
    if (startAt === 0 && page.users.length === 0) {
      throw new JobStop('group_not_found', `Jira has no group "${params.group}", or it has no active members: check the group's name.`);
    }
    const members = page.users
      .filter((user) => user.active)
      .map((user) => ({ accountId: user.accountId, displayName: user.displayName, emailAddress: user.emailAddress, username: null }));
    return { members, next: page.isLast || page.users.length === 0 ? null : String(startAt + page.users.length) };
  }

  async function connectorPage(context: JobContext, params: RolloutParams, cursor: string | null): Promise<{ members: RolloutMember[]; next: string | null }> {
    const client = await deps.connectorClient(context.tenant);
    try {
      const page = await client.groupMembers(params.group, cursor);
      const members = page.items
        .filter((user) => user.active)
        .map((user) => ({ accountId: `dc:${user.key}`, displayName: user.displayName, emailAddress: user.emailAddress, username: user.name }));
      return { members, next: page.next };
    } catch (error) {
      if (error instanceof TwofoldError && error.code === 'upstream_error' && (error.details as { status?: unknown } | undefined)?.status === 404) {
        throw new JobStop('group_not_found', `Jira Server/Data Center has no group "${params.group}": check its name (it is case-sensitive there).`);
      }
      throw error;
    }
  }
}

function describe(member: RolloutMember): string {
  return `${member.displayName} (${member.accountId})`;
}

function conflict(member: RolloutMember, twoFactorId: string, holder: IdHolder): ItemOutcome {
  const held = holder.displayName ? `${holder.displayName} (${holder.accountId})` : holder.accountId;
  return {
    ok: false,
    code: 'id_conflict',
    message: `The ID "${twoFactorId}" for ${describe(member)} is already held by ${held}; assign one of them another ID by hand.`,
  };
}
