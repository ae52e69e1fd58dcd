import type { AuditEntry, AuditLog, AuditAction, AuditPage, AuditQuery } from '../audit/audit-log';

/**
 * The audited events that change what the `twofold-id` property says: an ID assigned or changed, a
 * factor set up (an app, or an imported hardware token), removed or reset. Every such change is audited already, so write-back listens here
 * instead of in each service.
 */
const CHANGES_PROPERTY: ReadonlySet<AuditAction> = new Set<AuditAction>([
  'user.id_assigned',
  'totp.confirmed',
  'totp.removed',
  'admin.reset',
  'token.assigned',
  'token.unassigned',
]);

/**
 * An audit log that, after recording one of those events, tells write-back whose property to push.
 * Queueing never fails the user's action: the change is made and audited; a failure to queue it is
 * reported (`onChange` handles its own errors) and the next export repairs it.
 */
export class WriteBackAuditHook implements AuditLog {
  constructor(
    private readonly inner: AuditLog,
    private readonly onChange: (tenant: string, accountId: string) => Promise<void>,
  ) {}

  async record(tenant: string, entry: AuditEntry): Promise<void> {
    await this.inner.record(tenant, entry);
    if (entry.subjectAccountId !== null && CHANGES_PROPERTY.has(entry.action)) await this.onChange(tenant, entry.subjectAccountId);
  }

  page(tenant: string, query: AuditQuery): Promise<AuditPage> {
    return this.inner.page(tenant, query);
  }
}
