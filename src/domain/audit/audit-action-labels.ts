import type { ErrorCode } from '../errors';
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
  'device.paired': 'Paired a phone',
  'device.removed': 'Removed a paired phone',
  'access_pass.denied': 'Denied a sign-in on the phone ("This wasn\u2019t me")',
  'connector.configured': 'Changed the connector settings',
  'connector.key_generated': 'Generated a connector key pair',
  'connector.authorized': 'Authorized the connector',
  'connector.authorization_failed': 'Connector authorization failed',
  'connector.tested': 'Tested the connector',
  'connector.token_forgotten': 'Forgot the connector credentials',
  'connector.token_rejected': 'Jira refused the connector credentials',
  'job.started': 'Started a job',
  'job.finished': 'A job finished',
  'job.cancelled': 'Cancelled a job',
  'sync.property_written': 'Wrote the 2FA ID to Jira',
  'token.assigned': 'Assigned a hardware token',
  'gate.created': 'Created a Data Center gate',
  'gate.revoked': 'Revoked a Data Center gate',
  'gate.approval_decided': 'Answered a Git or REST client’s approval request',
  'email_code.sent': 'Sent an email code',
  'email.confirmed': 'Confirmed an email address',
  'token.unassigned': 'Unassigned a hardware token',
};

export interface AuditActionGroup {
  readonly label: string;
  readonly actions: { readonly value: AuditAction; readonly label: string }[];
}

const GROUP_OF = (action: AuditAction): string =>
  action.startsWith('connector.')
    ? 'Jira connector'
    : action.startsWith('job.')
      ? 'Jobs'
      : action === 'admin.reset' ||
          action === 'user.unlocked' ||
          action === 'policy.changed' ||
          action === 'user.id_assigned' ||
          action === 'sync.property_written' ||
          action === 'token.assigned' ||
          action === 'token.unassigned'
        ? 'Administration'
        : 'Two-step verification';

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

/**
 * The steps of the OAuth 1.0a dance an authorization can fail at (`connector.authorization_failed`
 * `detail.step`), in words: an audit row reads as prose, never "At request_token".
 */
export const AUDIT_STEP_WORDS: Readonly<Record<'request_token' | 'access_token', string>> = {
  request_token: 'while asking Jira for a request token (step 1)',
  access_token: 'while exchanging the approval for an access token (step 3)',
};

/**
 * The reasons an audit entry may carry (`errorCode` of the connector's entries), in words. A code
 * without words here is shown as "for a reason Twofold has no words for" with the code kept aside.
 */
export const AUDIT_REASON_WORDS: Readonly<Partial<Record<ErrorCode, string>>> = {
  unreachable: 'Jira could not be reached',
  host_unreachable: 'Jira could not be reached',
  token_rejected: 'Jira refused the access token',
  access_token_expired: 'the access token had expired',
  signature_invalid: 'Jira did not accept the signature (check the public key in the Application Link)',
  consumer_key_unknown: 'Jira does not know the consumer key',
  timestamp_refused: "Jira refused the request's time (check the clocks)",
  nonce_used: 'Jira saw the request as a replay',
  permission_unknown: 'Jira did not recognise the permission asked for',
  permission_denied: 'the Jira user denied access',
  unauthorized: 'Jira refused the user name or password',
  upstream_error: 'Jira answered with an error',
  parameter_absent: 'Jira missed a parameter of the request',
  parameter_rejected: 'Jira refused a parameter of the request',
  signature_method_rejected: 'Jira refused the signature method',
  version_rejected: 'Jira refused the OAuth version',
  not_admin: 'the admin who started it is no longer a Jira admin',
  service_unavailable: 'Jira was unavailable',
  internal_error: 'Twofold hit an internal error',
};

/** What the audit page needs to put every entry's details into words (rendered into the page). */
export function auditWords(): { steps: Record<string, string>; reasons: Record<string, string> } {
  return { steps: { ...AUDIT_STEP_WORDS }, reasons: { ...(AUDIT_REASON_WORDS as Record<string, string>) } };
}
