import { randomUUID } from 'node:crypto';
import { Op, fn, col, type ModelStatic, type Sequelize, type Transaction } from 'sequelize';
import type { AuditEntry } from '../../domain/audit/audit-log';
import type { BackupCode, BackupCodeRepository } from '../../domain/mfa/ports';
import type { VerificationSession } from '../../domain/mfa/session';
import { INSERT_AUDIT_SQL, auditRow } from './audit-log-repository';
import { RESET_USER_SQL } from './failure-counter-repository';
import { mfaModels, toDate, type BackupCodeRow } from './models/mfa-models';
import { Sql } from './sql';
import { inUserTransaction } from './user-transaction';
import { SAVE_SESSION_SQL } from './verification-session-repository';

const MARK_USED_SQL = 'UPDATE backup_codes SET used_at = :at WHERE id = :id AND client_key = :tenant AND account_id = :accountId AND used_at IS NULL';

/** Thrown inside `redeem`'s transaction to roll it back when the code was taken first. */
class CodeTaken extends Error {}

/**
 * Inside `transaction`: deletes the user's set and stores `hashes` as the new one; returns how many
 * codes the old set had. Shared by `replaceSet` and the credential's activation
 * (totp-credential-repository.ts), which replaces the set in its own transaction.
 */
export async function writeBackupCodeSet(
  sequelize: Sequelize,
  transaction: Transaction,
  user: { tenant: string; accountId: string },
  hashes: readonly string[],
  createdAt: Date,
  newId: () => string,
): Promise<number> {
  const rows = mfaModels(sequelize).backupCodes;
  const { tenant, accountId } = user;
  const removed = await rows.destroy({ where: { client_key: tenant, account_id: accountId }, transaction });
  if (hashes.length > 0) {
    await rows.bulkCreate(
      hashes.map((hash) => ({ id: newId(), client_key: tenant, account_id: accountId, hash, used_at: null, created_at: createdAt })),
      { transaction },
    );
  }
  return removed;
}

/** Backup codes as scrypt hashes only; single use is one conditional UPDATE (`used_at IS NULL`). */
export class SequelizeBackupCodeRepository implements BackupCodeRepository {
  private readonly rows: ModelStatic<BackupCodeRow>;
  private readonly sql: Sql;

  constructor(
    private readonly sequelize: Sequelize,
    private readonly newId: () => string = randomUUID,
  ) {
    this.rows = mfaModels(sequelize).backupCodes;
    this.sql = Sql.for(sequelize);
  }

  async replaceSet(tenant: string, accountId: string, hashes: readonly string[], createdAt: Date): Promise<void> {
    // Serialized per user: on Postgres two overlapping regenerations would otherwise both insert.
    await inUserTransaction(this.sequelize, tenant, accountId, (transaction) =>
      writeBackupCodeSet(this.sequelize, transaction, { tenant, accountId }, hashes, createdAt, this.newId),
    );
  }

  async list(tenant: string, accountId: string): Promise<BackupCode[]> {
    const rows = await this.rows.findAll({ where: { client_key: tenant, account_id: accountId }, raw: true });
    return rows.map((row) => ({ id: row.id, hash: row.hash, usedAt: toDate(row.used_at) }));
  }

  async redeem(tenant: string, accountId: string, codeId: string, at: Date, success: { session: VerificationSession; audit: AuditEntry }): Promise<boolean> {
    // The conditional UPDATE decides between racers. The user transaction is for SQLite, where each
    // transaction has a connection of its own: racing deferred transactions failed with SQLITE_BUSY
    // (the race test in concurrency.test.ts); queued with BEGIN IMMEDIATE they take turns instead.
    try {
      await inUserTransaction(this.sequelize, tenant, accountId, async (transaction) => {
        if ((await this.sql.changed(MARK_USED_SQL, { at, id: codeId, tenant, accountId }, transaction)) !== 1) throw new CodeTaken();
        await this.sql.changed(RESET_USER_SQL, { tenant, accountId }, transaction);
        await this.sql.insert(SAVE_SESSION_SQL, { tenant, accountId, verifiedAt: success.session.verifiedAt, verifiedUntil: success.session.verifiedUntil }, transaction);
        await this.sql.insert(INSERT_AUDIT_SQL, auditRow(tenant, success.audit), transaction);
      });
      return true;
    } catch (error) {
      if (error instanceof CodeTaken) return false;
      throw error;
    }
  }

  /** On every GET /api/v1/me: a prepared statement, not a model count (bench:me). */
  async countUnused(tenant: string, accountId: string): Promise<number> {
    const [row] = await this.sql.select<{ unused: number | string }>(
      'SELECT COUNT(*) AS unused FROM backup_codes WHERE client_key = :tenant AND account_id = :accountId AND used_at IS NULL',
      { tenant, accountId },
    );
    return Number(row?.unused ?? 0);
  }

  async countUnusedMany(tenant: string, accountIds: readonly string[]): Promise<Map<string, number>> {
    if (accountIds.length === 0) return new Map();
    const rows = (await this.rows.findAll({
      attributes: ['account_id', [fn('COUNT', col('id')), 'unused']],
      where: { client_key: tenant, account_id: { [Op.in]: [...accountIds] }, used_at: null },
      group: ['account_id'],
      raw: true,
    })) as unknown as Array<{ account_id: string; unused: number | string }>;
    return new Map(rows.map((row) => [row.account_id, Number(row.unused)]));
  }

}
