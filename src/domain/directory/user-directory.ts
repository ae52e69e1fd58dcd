import type { Clock } from '../ports/clock';
import type { Tenant } from '../tenancy/tenant';

/**
 * What Twofold asks the host product about its users (Jira Cloud: the REST API, called as the app).
 * Kept behind a port so that the domain survives a move away from Connect.
 */
export interface DirectoryUser {
  readonly accountId: string;
  readonly displayName: string;
  /** Null when the user's privacy settings hide it. */
  readonly emailAddress: string | null;
  readonly active: boolean;
}

export interface DirectoryPage {
  readonly users: DirectoryUser[];
  readonly isLast: boolean;
}

export interface UserDirectory {
  getUser(tenant: Tenant, accountId: string): Promise<DirectoryUser | null>;
  /** Names of the groups the user belongs to. */
  userGroups(tenant: Tenant, accountId: string): Promise<string[]>;
  /** All users of the site, a page at a time (human accounts only). */
  listUsers(tenant: Tenant, startAt: number, maxResults: number): Promise<DirectoryPage>;
  /** Active members of a group; an unknown group has none. */
  groupMembers(tenant: Tenant, group: string, startAt: number, maxResults: number): Promise<DirectoryPage>;
}

interface Entry<T> {
  value: T;
  at: number;
}

/**
 * Remembers users and their groups briefly: the status page asks on every load, and each host round
 * trip costs 100 ms or more. A group change takes effect within `ttlSeconds`. Failures are not kept.
 * Listings are not cached (admin pages, rare).
 */
export class CachedUserDirectory implements UserDirectory {
  private readonly users = new Map<string, Entry<DirectoryUser | null>>();
  private readonly groups = new Map<string, Entry<string[]>>();

  constructor(
    private readonly inner: UserDirectory,
    private readonly clock: Clock,
    private readonly ttlSeconds: number,
    private readonly maxEntries = 10_000,
  ) {}

  getUser(tenant: Tenant, accountId: string): Promise<DirectoryUser | null> {
    return this.cached(this.users, tenant, accountId, () => this.inner.getUser(tenant, accountId));
  }

  userGroups(tenant: Tenant, accountId: string): Promise<string[]> {
    return this.cached(this.groups, tenant, accountId, () => this.inner.userGroups(tenant, accountId));
  }

  listUsers(tenant: Tenant, startAt: number, maxResults: number): Promise<DirectoryPage> {
    return this.inner.listUsers(tenant, startAt, maxResults);
  }

  groupMembers(tenant: Tenant, group: string, startAt: number, maxResults: number): Promise<DirectoryPage> {
    return this.inner.groupMembers(tenant, group, startAt, maxResults);
  }

  forgetTenant(clientKey: string): void {
    for (const map of [this.users, this.groups] as Map<string, unknown>[]) {
      for (const key of map.keys()) if (key.startsWith(`${clientKey}\u0000`)) map.delete(key);
    }
  }

  private async cached<T>(map: Map<string, Entry<T>>, tenant: Tenant, accountId: string, load: () => Promise<T>): Promise<T> {
    const key = `${tenant.clientKey}\u0000${accountId}`;
    const hit = map.get(key);
    const now = this.clock.now().getTime();
    if (hit && now - hit.at < this.ttlSeconds * 1000) return hit.value;
    const value = await load();
    if (map.size >= this.maxEntries) map.clear();
    map.set(key, { value, at: this.clock.now().getTime() });
    return value;
  }
}
