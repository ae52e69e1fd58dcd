import { isSecretFieldName } from '../secret-fields';

/**
 * The audit log: every security-relevant event of a tenant, newest first. Entries say who did what
 * to whom and a few facts about it; never a secret, a code or a backup code (`safeDetail` drops any
 * field named like one (src/domain/secret-fields.ts), whatever a caller passes).
 */

export const AUDIT_ACTIONS = [
  'totp.enrollment_started',
  'totp.confirmed',
  'totp.confirm_failed',
  'totp.removed',
  'verify.succeeded',
  'verify.failed',
  'lockout',
  // No longer written (a backup code's use is `verify.succeeded` with `method` and `remaining`);
  // kept so that entries recorded before still read with their words.
  'backup_code.used',
  'backup_codes.regenerated',
  'admin.reset',
  'user.unlocked',
  'policy.changed',
  'user.id_assigned',
  // the access pass (src/domain/approvals)
  'device.paired',
  'device.removed',
  'access_pass.denied',
  // the Jira Server/Data Center connector (src/domain/connector)
  'connector.configured',
  'connector.key_generated',
  'connector.authorized',
  'connector.authorization_failed',
  'connector.tested',
  'connector.token_forgotten',
  'connector.token_rejected',
  // durable jobs (src/jobs): rollout, directory refresh, sync, token import
  'job.started',
  'job.finished',
  'job.cancelled',
  // directory sync and hardware tokens (src/domain/idmap, src/domain/tokens)
  'sync.property_written',
  'token.assigned',
  // the forward-auth gate (src/domain/gate)
  'gate.created',
  'gate.revoked',
  'gate.approval_decided',
  // email codes (src/domain/mfa/email-code-service.ts)
  'email_code.sent',
  'email.confirmed',
  'token.unassigned',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export type AuditDetailValue = string | number | boolean | null;

export interface AuditEntry {
  readonly at: Date;
  /** Who acted; null for the system. */
  readonly actorAccountId: string | null;
  readonly action: AuditAction;
  /** Whose second factor it concerns; null for tenant-wide events. */
  readonly subjectAccountId: string | null;
  readonly detail: Readonly<Record<string, AuditDetailValue>>;
}

export interface StoredAuditEntry extends Omit<AuditEntry, 'action'> {
  readonly id: string;
  /**
   * An `AuditAction`; or, for a row this version does not know (written by a newer or an older
   * version), the action as stored, so that one odd row never hides the rest of the log.
   */
  readonly action: AuditAction | (string & {});
}

export interface AuditPage {
  readonly entries: StoredAuditEntry[];
  /** Opaque; null on the last page. */
  readonly nextCursor: string | null;
}

export interface AuditQuery {
  /** From a previous page's `nextCursor`; absent for the newest entries. */
  readonly cursor?: string;
  /** 1..100. */
  readonly limit: number;
  readonly subjectAccountId?: string;
  readonly action?: AuditAction;
}

export interface AuditLog {
  record(tenant: string, entry: AuditEntry): Promise<void>;
  /** Newest first. An unreadable cursor is `invalid_request`. */
  page(tenant: string, query: AuditQuery): Promise<AuditPage>;
}

/** The longest text a detail value may hold; longer ones are cut. */
export const AUDIT_DETAIL_MAX_TEXT = 500;

/** The detail as it may be stored: forbidden names dropped, values limited to short scalars. */
export function safeDetail(detail: Readonly<Record<string, unknown>>): Record<string, AuditDetailValue> {
  const out: Record<string, AuditDetailValue> = {};
  for (const [key, value] of Object.entries(detail)) {
    if (isSecretFieldName(key)) continue;
    if (value === null || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value))) out[key] = value;
    else if (typeof value === 'string') out[key] = value.slice(0, AUDIT_DETAIL_MAX_TEXT);
    else if (value instanceof Date) out[key] = value.toISOString();
  }
  return out;
}

export function isAuditAction(value: unknown): value is AuditAction {
  return typeof value === 'string' && (AUDIT_ACTIONS as readonly string[]).includes(value);
}
