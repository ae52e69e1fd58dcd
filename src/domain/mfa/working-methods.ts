import type { TenantPolicy } from '../policy/policy';

/** A second factor a user can verify with, as `GET /api/v1/me` and the admin user list name it. */
export type WorkingMethod = 'totp' | 'backup_codes' | 'email' | 'access_pass';

/**
 * The methods a user can verify with now: the app or token once enrolled, and backup codes while
 * some are left *and* the policy offers them (a policy that turned them off refuses them at verify,
 * so they must not be listed as working).
 */
export function workingMethods(enrolled: boolean, remainingBackupCodes: number, policy: Pick<TenantPolicy, 'methods'>): WorkingMethod[] {
  if (!enrolled) return [];
  return remainingBackupCodes > 0 && policy.methods.includes('backup_codes') ? ['totp', 'backup_codes'] : ['totp'];
}
