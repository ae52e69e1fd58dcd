import type { AuditAction } from './audit-log';

/**
 * Each audit action in words, as the audit log page shows it and offers it as a filter. A `Record`
 * over every action, so that a new action does not compile until it has words.
 */
export const AUDIT_ACTION_LABELS: Readonly<Record<AuditAction, string>> = {
  'totp.enrollment_started': 'Started setting up an app or token',
  'totp.confirmed': 'Set up an app or token',
  'totp.confirm_failed': 'Set-up code refused',
  'totp.removed': 'Removed two-step verification',
  'verify.succeeded': 'Verified',
  'verify.failed': 'Verification failed',
  lockout: 'Locked out',
  'backup_code.used': 'Used a backup code',
  'backup_codes.regenerated': 'Made new backup codes',
  'admin.reset': 'Reset the second factor',
  'user.unlocked': 'Lifted a lockout',
  'policy.changed': 'Changed the policy',
  'user.id_assigned': 'Assigned a 2FA ID',
  'connector.configured': 'Changed the connector settings',
  'connector.key_generated': 'Generated a connector key pair',
  'connector.authorized': 'Authorized the connector',
  'connector.authorization_failed': 'Connector authorization failed',
  'connector.tested': 'Tested the connector',
  'connector.token_forgotten': 'Forgot the connector credentials',
  'connector.token_rejected': 'Jira refused the connector credentials',
};

export interface AuditActionGroup {
  readonly label: string;
  readonly actions: { readonly value: AuditAction; readonly label: string }[];
}

const GROUP_OF = (action: AuditAction): string =>
  action.startsWith('connector.') ? 'Jira connector' : action === 'admin.reset' || action === 'user.unlocked' || action === 'policy.changed' || action === 'user.id_assigned' ? 'Administration' : 'Two-step verification';

/** The actions grouped for a filter menu: two-step verification, administration, the connector. */
export function auditActionGroups(): AuditActionGroup[] {
  const groups = new Map<string, AuditActionGroup>();
  for (const [value, label] of Object.entries(AUDIT_ACTION_LABELS) as [AuditAction, string][]) {
    const name = GROUP_OF(value);
    let group = groups.get(name);
    if (!group) groups.set(name, (group = { label: name, actions: [] }));
    group.actions.push({ value, label });
  }
  return [...groups.values()];
}
