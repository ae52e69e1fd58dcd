import { Op, type ModelStatic, type Sequelize, type WhereOptions } from 'sequelize';
import { safeDetail, type AuditEntry, type AuditLog, type AuditPage, type AuditQuery, type StoredAuditEntry } from '../../domain/audit/audit-log';
import { TwofoldError } from '../../domain/errors';
import { mfaModels, toDate, type AuditEventRow } from './models/mfa-models';
import { Sql } from './sql';

/** Records one entry (its parameters from `auditRow`); also run inside backup-code-repository.ts `redeem`. */
export const INSERT_AUDIT_SQL = `INSERT INTO audit_events (client_key, at, actor_account_id, action, subject_account_id, detail)
       VALUES (:tenant, :at, :actor, :action, :subject, :detail)`;

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

/** The audit log in `audit_events`, paged newest first by id (the cursor is the last id seen). */
export class SequelizeAuditLog implements AuditLog {
  private readonly rows: ModelStatic<AuditEventRow>;
  private readonly sql: Sql;

  constructor(sequelize: Sequelize) {
    this.rows = mfaModels(sequelize).auditEvents;
    this.sql = Sql.for(sequelize);
  }

  async record(tenant: string, entry: AuditEntry): Promise<void> {
    await this.sql.insert(INSERT_AUDIT_SQL, auditRow(tenant, entry));
  }

  async page(tenant: string, query: AuditQuery): Promise<AuditPage> {
    const where: WhereOptions<AuditEventRow> & Record<string, unknown> = { client_key: tenant };
    if (query.cursor) where.id = { [Op.lt]: decodeCursor(query.cursor) };
    if (query.subjectAccountId) where.subject_account_id = query.subjectAccountId;
    if (query.action) where.action = query.action;
    const rows = await this.rows.findAll({ where, order: [['id', 'DESC']], limit: query.limit + 1, raw: true });
    const entries = rows.slice(0, query.limit).map(toEntry);
    const last = entries[entries.length - 1];
    return { entries, nextCursor: rows.length > query.limit && last ? encodeCursor(last.id) : null };
  }
}

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

const encodeCursor = (id: string) => Buffer.from(`a:${id}`).toString('base64url');

function decodeCursor(cursor: string): number {
  const match = /^a:(\d{1,18})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match) {
    throw new TwofoldError('invalid_request', 'The cursor is not one this API handed out. Start from the first page.', {
      details: { fields: [{ field: 'cursor', problem: 'is not valid' }] },
    });
  }
  return Number(match[1]);
}
