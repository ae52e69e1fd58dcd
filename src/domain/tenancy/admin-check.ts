import type { Clock } from '../ports/clock';
import type { HostPermissionGateway } from './host-permissions';
import type { Tenant } from './tenant';

/**
 * "Is this user a Jira administrator?", asked of the host and remembered briefly: admin pages make
 * several API calls a minute, and each host round trip costs 100 ms or more. A revoked admin loses
 * access within `ttlSeconds`. Failures are not cached.
 */
export class AdminCheck {
  private readonly answers = new Map<string, { isAdmin: boolean; at: number }>();
  private readonly inFlight = new Map<string, Promise<boolean>>();

  constructor(
    private readonly host: HostPermissionGateway,
    private readonly clock: Clock,
    private readonly ttlSeconds: number,
    private readonly maxEntries = 10_000,
  ) {}

  async isAdmin(tenant: Tenant, accountId: string): Promise<boolean> {
    const key = `${tenant.clientKey}\u0000${accountId}`;
    const cached = this.answers.get(key);
    const now = this.clock.now().getTime();
    if (cached && now - cached.at < this.ttlSeconds * 1000) return cached.isAdmin;
    const pending = this.inFlight.get(key);
    if (pending) return pending;
    const asking = this.host
      .hasGlobalPermission(tenant, accountId, 'ADMINISTER')
      .then((isAdmin) => {
        if (this.answers.size >= this.maxEntries) this.answers.clear();
        this.answers.set(key, { isAdmin, at: this.clock.now().getTime() });
        return isAdmin;
      })
      .finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, asking);
    return asking;
  }

  /** A reinstall or uninstall forgets what was known about the tenant's users. */
  forgetTenant(clientKey: string): void {
    for (const key of this.answers.keys()) if (key.startsWith(`${clientKey}\u0000`)) this.answers.delete(key);
  }

  /** After a missed change notification nobody can say which tenant changed: forget them all. */
  forgetAll(): void {
    this.answers.clear();
  }
}
