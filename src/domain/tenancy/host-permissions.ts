import type { Tenant } from './tenant';

/** Asks the host product about a user's permissions (Jira Cloud: POST /rest/api/3/permissions/check). */
export interface HostPermissionGateway {
  hasGlobalPermission(tenant: Tenant, accountId: string, permission: 'ADMINISTER'): Promise<boolean>;
}
