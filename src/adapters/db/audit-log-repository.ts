import type { Sequelize } from 'sequelize';
import { safeDetail, type AuditEntry, type AuditLog, type AuditPage, type AuditQuery, type StoredAuditEntry } from '../../domain/audit/audit-log';
import { TwofoldError } from '../../domain/errors';
import { toDate, type AuditEventRow } from './models/mfa-models';
import { Sql, type Statement } from './sql';
import type { UnitOfWork } from './unit-of-work';

/** The audit log's part in a larger write: the entry commits or rolls back with the rest. */
export function auditLogIn(unit: Pick<UnitOfWork, 'statements'>): { record(tenant: string, entry: AuditEntry): Promise<void> } {
  return { record: (tenant, entry) => unit.statements.insert(INSERT_AUDIT_SQL, auditRow(tenant, entry)) };
}

/** The entry as a part of a larger write (`Sql.changedThen`). */
export function recordAuditStatement(tenant: string, entry: AuditEntry): Statement {
  return { sql: INSERT_AUDIT_SQL, params: auditRow(tenant, entry) };
}

/** Records one entry (its parameters from `auditRow`), on the pool or in a unit of work. */
const INSERT_AUDIT_SQL = `INSERT INTO audit_events (client_key, at, actor_account_id, action, subject_account_id, detail)
       VALUES (:tenant, :at, :actor, :action, :subject, :detail)`;

/**
 * The entry as a part of one Postgres statement (totp-credential-repository.ts `acceptStep`), only if
 * the CTE named `guard` answered a row; its parameters from `auditRow`.
 */
export function recordAuditAfter(guard: string): string {
  return `INSERT INTO audit_events (client_key, at, actor_account_id, action, subject_account_id, detail)
       SELECT :tenant::text, :at::timestamptz, :actor::text, :action::text, :subject::text, :detail::text WHERE EXISTS (SELECT 1 FROM ${guard})`;
}

/** The parameters of `INSERT_AUDIT_SQL`: the detail as it may be stored (`safeDetail`), as JSON. */
export function auditRow(tenant: string, entry: AuditEntry): Record<string, unknown> {
  return {
    tenant,
    at: entry.at,
    actor: entry.actorAccountId,
    action: entry.action,
    subject: entry.subjectAccountId,
    detail: JSON.stringify(safeDetail(entry.detail)),
  };
}

/** The audit log in `audit_events`, paged newest first by time and id (the cursor is the last pair seen). */
export class SequelizeAuditLog implements AuditLog {
  private readonly sql: Sql;

  constructor(sequelize: Sequelize) {
    this.sql = Sql.for(sequelize);
  }

  async record(tenant: string, entry: AuditEntry): Promise<void> {
    await this.sql.insert(INSERT_AUDIT_SQL, auditRow(tenant, entry));
  }

  /**
   * Keyset pagination newest first on (at, id), an index range scan on `audit_events_tenant_at` (or
   * `_subject_at` with a subject filter; migration 0101): a page costs the same on the first page and
   * the ten-thousandth, with 50 or 1,000,000 entries. The row-value comparison `(at, id) < (…)` is one
   * index seek on SQLite (3.15+) and Postgres alike; the plans are printed by `npm run bench:admin-reads`.
   */
  async page(tenant: string, query: AuditQuery): Promise<AuditPage> {
    const params: Record<string, unknown> = { tenant, limit: query.limit + 1 };
    const where = ['client_key = :tenant'];
    if (query.cursor) {
      const after = decodeCursor(query.cursor);
      where.push('(at, id) < (:at, :id)');
      params.at = after.at;
      params.id = after.id;
    }
    if (query.subjectAccountId) {
      where.push('subject_account_id = :subject');
      params.subject = query.subjectAccountId;
    }
    if (query.action) {
      where.push('action = :action');
      params.action = query.action;
    }
    const rows = await this.sql.select<AuditEventRow>(`${PAGE_COLUMNS} WHERE ${where.join(' AND ')} ORDER BY at DESC, id DESC LIMIT :limit`, params);
    const entries = rows.slice(0, query.limit).map(toEntry);
    const last = entries[entries.length - 1];
    return { entries, nextCursor: rows.length > query.limit && last ? encodeCursor(last) : null };
  }
}

/** The page's SELECT up to its WHERE; exported for the bench's query plans (bench/verify-server.ts). */
export const PAGE_COLUMNS = 'SELECT id, at, actor_account_id, action, subject_account_id, detail FROM audit_events';

function toEntry(row: AuditEventRow): StoredAuditEntry {
  let detail: Record<string, string | number | boolean | null> = {};
  try {
    detail = safeDetail(JSON.parse(row.detail) as Record<string, unknown>);
  } catch {
    // an unreadable detail is shown empty
  }
  return {
    id: String(row.id),
    at: toDate(row.at) as Date,
    actorAccountId: row.actor_account_id,
    // Presented as stored, known or not (StoredAuditEntry.action).
    action: row.action,
    subjectAccountId: row.subject_account_id,
    detail,
  };
}

/** `b:<ms since epoch>:<id>`; the `a:<id>` cursors of the id-ordered pages are refused (start again). */
const encodeCursor = (entry: StoredAuditEntry) => Buffer.from(`b:${entry.at.getTime()}:${entry.id}`).toString('base64url');

function decodeCursor(cursor: string): { at: Date; id: number } {
  const match = /^b:(\d{1,15}):(\d{1,18})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match) {
    throw new TwofoldError('invalid_request', 'The cursor is not one this API handed out. Start from the first page.', {
      details: { fields: [{ field: 'cursor', problem: 'is not valid' }] },
    });
  }
  return { at: new Date(Number(match[1])), id: Number(match[2]) };
}
