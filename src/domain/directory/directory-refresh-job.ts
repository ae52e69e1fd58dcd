import { TwofoldError } from '../errors';
import { asJobFailure } from '../jobs/upstream-failure';
import { JobStop, RetryItemLater, type ItemOutcome, type JobKind, type JobTransaction, type PlannedPage } from '../jobs/job-kind';
import type { Clock } from '../ports/clock';
import type { JiraServerClient } from '../ports/jira-server-client';
import type { Tenant } from '../tenancy/tenant';
import type { DirectoryMirrorSweep, DirectoryMirrorWrites, MirroredUser, MirrorSource } from './directory-mirror';
import type { UserDirectory } from './user-directory';

export const DIRECTORY_REFRESH_KIND = 'directory_refresh';

/**
 * `host`: every user of the Jira Cloud site, with their groups. `connector`: the members of `groups` on
 * Jira Server/DC (its REST API lists users group by group), each as `dc:` + their user key.
 */
export interface DirectoryRefreshParams {
  readonly target: MirrorSource;
  readonly groups: readonly string[];
}

export interface DirectoryRefreshDeps {
  directory: UserDirectory;
  findTenant(clientKey: string): Promise<Tenant | null>;
  connectorClient(clientKey: string): Promise<JiraServerClient>;
  writesIn(transaction: JobTransaction): DirectoryMirrorWrites;
  sweeper: DirectoryMirrorSweep;
  clock: Clock;
}

const HOST_PAGE = 100;

type HostPayload = { user: MirroredUser };
type ConnectorPayload = { user: MirroredUser; group: string };

/**
 * Refreshes the directory mirror as a durable job. Host: planning lists the site's users a page at a
 * time, and each item asks for one user's groups (a 429 waits for its Retry-After) and stores the user
 * with them. Connector: planning walks each group's members, and each (group, member) item stores the
 * user and that membership. When every item has run, what the refresh did not see is forgotten (unless
 * some items failed: a user whose item failed keeps their last known row) and the time is recorded.
 */
export function directoryRefreshJob(deps: DirectoryRefreshDeps): JobKind<DirectoryRefreshParams> {
  const tenantOf = async (clientKey: string): Promise<Tenant> => {
    const tenant = await deps.findTenant(clientKey);
    if (!tenant) throw new JobStop('tenant_uninstalled', 'Twofold is no longer installed on this site.');
    return tenant;
  };

  return {
    kind: DIRECTORY_REFRESH_KIND,
    concurrency: 4,
    parseParams(raw) {
      const params = raw as Partial<DirectoryRefreshParams> | null;
      if (!params || (params.target !== 'host' && params.target !== 'connector') || !Array.isArray(params.groups)) {
        throw new TwofoldError('internal_error', 'a stored directory refresh has unreadable parameters');
      }
      return { target: params.target, groups: params.groups.filter((group): group is string => typeof group === 'string') };
    },

    async plan(context, params, cursor): Promise<PlannedPage> {
      try {
        if (params.target === 'host') {
          const startAt = cursor === null ? 0 : Number(cursor);
          const page = await deps.directory.listUsers(await tenantOf(context.tenant), startAt, HOST_PAGE);
          return {
            items: page.users.map((user) => ({
              key: user.accountId,
              payload: {
                user: { accountId: user.accountId, displayName: user.displayName, emailAddress: user.emailAddress, username: null, active: user.active },
              },
            })),
            nextCursor: page.isLast ? null : String(startAt + HOST_PAGE),
          };
        }
        const at = cursor === null ? { g: 0, c: null } : (JSON.parse(cursor) as { g: number; c: string | null });
        const group = params.groups[at.g];
        if (group === undefined) return { items: [], nextCursor: null };
        const client = await deps.connectorClient(context.tenant);
        const page = await client.groupMembers(group, at.c).catch((error: unknown) => {
          // A group Data Center does not know (renamed, deleted) has no members to mirror.
          if (error instanceof TwofoldError && error.code === 'upstream_error' && (error.details as { status?: unknown } | undefined)?.status === 404) {
            return { items: [], next: null, total: 0 };
          }
          throw error;
        });
        const next = page.next !== null ? { g: at.g, c: page.next } : at.g + 1 < params.groups.length ? { g: at.g + 1, c: null } : null;
        return {
          items: page.items.map((user) => ({
            key: `${group.toLowerCase()}\n${user.key}`,
            payload: {
              group,
              user: { accountId: `dc:${user.key}`, displayName: user.displayName, emailAddress: user.emailAddress, username: user.name, active: user.active },
            },
          })),
          nextCursor: next === null ? null : JSON.stringify(next),
        };
      } catch (error) {
        throw asJobFailure(error, params.target);
      }
    },

    async runItem(context, params, item): Promise<ItemOutcome> {
      if (!context.transaction) throw new TwofoldError('internal_error', 'a directory refresh item ran without its transaction');
      const at = deps.clock.now();
      if (params.target === 'host') {
        const { user } = item.payload as unknown as HostPayload;
        let groups: string[];
        try {
          groups = await deps.directory.userGroups(await tenantOf(context.tenant), user.accountId);
        } catch (error) {
          const failure = asJobFailure(error, 'host');
          if (failure instanceof JobStop || failure instanceof RetryItemLater) throw failure;
          return { ok: false, code: 'host_error', message: `The groups of ${user.displayName} (${user.accountId}) could not be read.` };
        }
        return context.transaction(async (transaction) => {
          await deps.writesIn(transaction).upsertUser(context.tenant, 'host', user, context.jobId, groups, at);
          return { ok: true };
        });
      }
      const { user, group } = item.payload as unknown as ConnectorPayload;
      return context.transaction(async (transaction) => {
        const writes = deps.writesIn(transaction);
        await writes.upsertUser(context.tenant, 'connector', user, context.jobId, null, at);
        await writes.addMembership(context.tenant, 'connector', user.accountId, group, context.jobId);
        return { ok: true };
      });
    },

    async finish(context, params, summary) {
      await deps.sweeper.sweep(context.tenant, params.target, context.jobId, deps.clock.now(), summary.failed === 0);
    },
  };
}
