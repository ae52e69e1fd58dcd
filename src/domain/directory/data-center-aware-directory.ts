import { dataCenterUserKey } from '../idmap/user-property-gateway';
import type { JiraServerClient } from '../ports/jira-server-client';
import type { Tenant } from '../tenancy/tenant';
import type { DirectoryPage, DirectoryUser, UserDirectory } from './user-directory';

/**
 * The user directory with Data Center users in it: a `dc:` account (`dc:` + the Jira user key) is
 * looked up on the tenant's Jira Server/Data Center through the connector, every other account on the
 * Cloud host. So a service that asks for a user's address (email codes, the ID pattern's `%email%`)
 * gets the Data Center user's own, as Data Center shows it, without knowing where the user lives.
 *
 * Only `getUser` is routed: a Data Center user's groups are read by the gate from Data Center itself
 * (data-center-identity.ts), and listings are the Cloud site's (the directory mirror lists Data Center
 * users through the connector on its own).
 */
export class DataCenterAwareDirectory implements UserDirectory {
  constructor(
    private readonly cloud: UserDirectory,
    /** The connector's client of the tenant (`409 connector_not_configured` while there is none). */
    private readonly dataCenter: (tenant: string) => Promise<Pick<JiraServerClient, 'findUser'>>,
  ) {}

  async getUser(tenant: Tenant, accountId: string): Promise<DirectoryUser | null> {
    const key = dataCenterUserKey(accountId);
    if (key === null) return this.cloud.getUser(tenant, accountId);
    const user = await (await this.dataCenter(tenant.clientKey)).findUser({ key });
    return user === null ? null : { accountId, displayName: user.displayName, emailAddress: user.emailAddress, active: user.active };
  }

  userGroups(tenant: Tenant, accountId: string): Promise<string[]> {
    return this.cloud.userGroups(tenant, accountId);
  }

  listUsers(tenant: Tenant, startAt: number, maxResults: number): Promise<DirectoryPage> {
    return this.cloud.listUsers(tenant, startAt, maxResults);
  }

  groupMembers(tenant: Tenant, group: string, startAt: number, maxResults: number): Promise<DirectoryPage> {
    return this.cloud.groupMembers(tenant, group, startAt, maxResults);
  }
}
