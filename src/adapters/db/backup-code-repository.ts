import { randomUUID } from 'node:crypto';
import { Op, fn, col, type ModelStatic, type Sequelize } from 'sequelize';
import type { BackupCode, BackupCodeRepository } from '../../domain/mfa/ports';
import { mfaModels, toDate, type BackupCodeRow } from './models/mfa-models';
import { Sql } from './sql';

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
    await this.sequelize.transaction(async (transaction) => {
      await this.rows.destroy({ where: { client_key: tenant, account_id: accountId }, transaction });
      if (hashes.length === 0) return;
      await this.rows.bulkCreate(
        hashes.map((hash) => ({ id: this.newId(), client_key: tenant, account_id: accountId, hash, used_at: null, created_at: createdAt })),
        { transaction },
      );
    });
  }

  async list(tenant: string, accountId: string): Promise<BackupCode[]> {
    const rows = await this.rows.findAll({ where: { client_key: tenant, account_id: accountId }, raw: true });
    return rows.map((row) => ({ id: row.id, hash: row.hash, usedAt: toDate(row.used_at) }));
  }

  async markUsed(tenant: string, accountId: string, codeId: string, at: Date): Promise<boolean> {
    const changed = await this.sql.changed(
      'UPDATE backup_codes SET used_at = :at WHERE id = :id AND client_key = :tenant AND account_id = :accountId AND used_at IS NULL',
      { at, id: codeId, tenant, accountId },
    );
    return changed === 1;
  }

  countUnused(tenant: string, accountId: string): Promise<number> {
    return this.rows.count({ where: { client_key: tenant, account_id: accountId, used_at: null } });
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

  removeAll(tenant: string, accountId: string): Promise<number> {
    return this.rows.destroy({ where: { client_key: tenant, account_id: accountId } });
  }
}
