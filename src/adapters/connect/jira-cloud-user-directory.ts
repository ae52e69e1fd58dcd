import { capForeignText } from '../../domain/text/unsafe-characters';
import { TwofoldError } from '../../domain/errors';
import type { DirectoryPage, DirectoryUser, UserDirectory } from '../../domain/directory/user-directory';
import type { Tenant } from '../../domain/tenancy/tenant';
import type { JiraCloudHostClient } from './jira-cloud-host-client';

/**
 * The user directory of a Jira Cloud site, through its REST API called as the app. App and bot
 * accounts (accountType other than `atlassian`) are left out of listings: they cannot sign in.
 */
export class JiraCloudUserDirectory implements UserDirectory {
  constructor(private readonly host: JiraCloudHostClient) {}

  getUser(tenant: Tenant, accountId: string): Promise<DirectoryUser | null> {
    return this.host.getUser(tenant, accountId).then((user) => (user ? plain(user) : null));
  }

  async userGroups(tenant: Tenant, accountId: string): Promise<string[]> {
    return (await this.host.userGroups(tenant, accountId)) ?? [];
  }

  async listUsers(tenant: Tenant, startAt: number, maxResults: number): Promise<DirectoryPage> {
    const users = await this.host.searchUsers(tenant, startAt, maxResults);
    return {
      // The host's page is the unit: a short page is the last one.
      users: users.filter((user) => user.accountType === undefined || user.accountType === 'atlassian').map(plain),
      isLast: users.length < maxResults,
    };
  }

  async groupMembers(tenant: Tenant, group: string, startAt: number, maxResults: number): Promise<DirectoryPage> {
    try {
      const page = await this.host.groupMembers(tenant, group, startAt, maxResults);
      return { users: page.values.map(plain), isLast: page.isLast };
    } catch (error) {
      // Jira answers 404 for a group that does not exist: it has no members.
      if (error instanceof TwofoldError && error.code === 'upstream_error' && (error.details as { status?: unknown } | undefined)?.status === 404)
        return { users: [], isLast: true };
      throw error;
    }
  }
}

/** Only the fields Twofold uses; the display name, Jira's to choose, cleaned of controls and capped (unsafe-characters.ts). */
function plain(user: DirectoryUser): DirectoryUser {
  return { accountId: user.accountId, displayName: capForeignText(user.displayName ?? ''), emailAddress: user.emailAddress ?? null, active: user.active };
}
