/**
 * A tenant is one Jira site that installed Twofold, named by its Connect `clientKey`.
 * Every piece of data Twofold keeps belongs to exactly one tenant and is never shown to another.
 */
export interface Tenant {
  clientKey: string;
  /** The host's base URL, e.g. https://example.atlassian.net (host REST calls go below it). */
  baseUrl: string;
  productType: string;
  /** HS256 key of the tenant's JWTs. Held unsealed in memory only. */
  sharedSecret: string;
  installedAt: Date;
  updatedAt: Date;
  uninstalledAt: Date | null;
}

/** The fields of the Connect install payload that Twofold relies on; the rest is kept as it came. */
export interface InstallationPayload {
  clientKey: string;
  baseUrl: string;
  sharedSecret: string;
  productType: string;
  [field: string]: unknown;
}

export interface TenantRepository {
  /** The tenant if it is installed now; an uninstalled tenant (in its grace period) is not returned. */
  findInstalled(clientKey: string): Promise<Tenant | null>;
  /** Install or reinstall: a reinstall replaces the sharedSecret and clears `uninstalledAt`. */
  saveInstallation(payload: InstallationPayload, at: Date): Promise<Tenant>;
  /** The install payload minus the sharedSecret, as it was saved (for ACE's store). */
  installationInfo(clientKey: string): Promise<Record<string, unknown> | null>;
  markUninstalled(clientKey: string, at: Date): Promise<boolean>;
  /** Deletes every row of tenants uninstalled before `cutoff`, across all tenant-owned tables. */
  purgeUninstalledBefore(cutoff: Date): Promise<string[]>;
}
