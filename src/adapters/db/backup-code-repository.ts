import { randomUUID } from 'node:crypto';
import { Op, fn, col, type ModelStatic, type Sequelize } from 'sequelize';
import type { AuditEntry } from '../../domain/audit/audit-log';
import type { BackupCode, BackupCodeRepository } from '../../domain/mfa/ports';
import type { BrowserSessionRecord } from '../../domain/mfa/browser-session';
import type { VerificationSession } from '../../domain/mfa/session';
import { auditLogIn } from './audit-log-repository';
import { browserSessionsIn } from './browser-session-repository';
import { failureCountersIn } from './failure-counter-repository';
import { mfaModels, toDate, type BackupCodeRow } from './models/mfa-models';
import { Sql } from './sql';
import type { UnitOfWork } from './unit-of-work';
import { inUserTransaction } from './user-transaction';
import { verificationSessionsIn } from './verification-session-repository';

const MARK_USED_SQL = 'UPDATE backup_codes SET used_at = :at WHERE id = :id AND client_key = :tenant AND account_id = :accountId AND used_at IS NULL';

/** Thrown inside `redeem`'s transaction to roll it back when the code was taken first. */
class CodeTaken extends Error {}

/**
 * The backup codes' part in a larger write, created from its unit of work: the credential's
 * activation (totp-credential-repository.ts) replaces the set in the same transaction.
 */
export function backupCodeSetIn(unit: UnitOfWork, newId: () => string = randomUUID) {
  const rows = mfaModels(unit.sequelize).backupCodes;
  const { transaction } = unit;
  return {
    /** Deletes the user's set and stores `hashes` as the new one; answers how many codes the old set had. */
    async replace(user: { tenant: string; accountId: string }, hashes: readonly string[], createdAt: Date): Promise<number> {
      const { tenant, accountId } = user;
      const removed = await rows.destroy({ where: { client_key: tenant, account_id: accountId }, transaction });
      if (hashes.length > 0) {
        await rows.bulkCreate(
          hashes.map((hash) => ({ id: newId(), client_key: tenant, account_id: accountId, hash, used_at: null, created_at: createdAt })),
          { transaction },
        );
      }
      return removed;
    },
    /** Marks one unused code used; false when it was used already (by a racer, too). */
    async markUsed(user: { tenant: string; accountId: string }, codeId: string, at: Date): Promise<boolean> {
      return (await unit.statements.changed(MARK_USED_SQL, { at, id: codeId, tenant: user.tenant, accountId: user.accountId })) === 1;
    },
  };
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
    await inUserTransaction(this.sequelize, tenant, accountId, (unit) => backupCodeSetIn(unit, this.newId).replace({ tenant, accountId }, hashes, createdAt));
  }

  async list(tenant: string, accountId: string): Promise<BackupCode[]> {
    const rows = await this.rows.findAll({ where: { client_key: tenant, account_id: accountId }, raw: true });
    return rows.map((row) => ({ id: row.id, hash: row.hash, usedAt: toDate(row.used_at) }));
  }

  async redeem(
    tenant: string,
    accountId: string,
    codeId: string,
    at: Date,
    success: { session: VerificationSession | null; browserSession: BrowserSessionRecord | null; audit: AuditEntry },
  ): Promise<boolean> {
    // The conditional UPDATE decides between racers. The user transaction is for SQLite, where each
    // transaction has a connection of its own: racing deferred transactions failed with SQLITE_BUSY
    // (the race test in concurrency.test.ts); queued with BEGIN IMMEDIATE they take turns instead.
    try {
      await inUserTransaction(this.sequelize, tenant, accountId, async (unit) => {
        if (!(await backupCodeSetIn(unit).markUsed({ tenant, accountId }, codeId, at))) throw new CodeTaken();
        await failureCountersIn(unit).resetUser(tenant, accountId);
        // Each repository writes its own part of the unit of work: the code, the counters, the sessions, the audit entry.
        const { session, browserSession } = success;
        if (session) await verificationSessionsIn(unit).save(tenant, accountId, session);
        if (browserSession) await browserSessionsIn(unit).start(tenant, accountId, browserSession);
        await auditLogIn(unit).record(tenant, success.audit);
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
