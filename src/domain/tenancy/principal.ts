import type { Tenant } from './tenant';

/** Who is calling: a user (Atlassian accountId) of one tenant, as proven by a verified JWT. */
export interface Principal {
  tenant: Tenant;
  accountId: string;
}
