import { Op, UniqueConstraintError, type ModelStatic, type Sequelize } from 'sequelize';
import type { IdMapping, IdMappingRepository, IdSource } from '../../domain/idmap/two-factor-ids';
import { mfaModels, toDate, type TwoFactorIdRow } from './models/mfa-models';
import { Sql } from './sql';

/** 2FA ID mappings; the unique index on (client_key, id_key) decides between concurrent claims. */
export class SequelizeIdMappingRepository implements IdMappingRepository {
  private readonly rows: ModelStatic<TwoFactorIdRow>;
  private readonly sql: Sql;

  constructor(sequelize: Sequelize) {
    this.rows = mfaModels(sequelize).twoFactorIds;
    this.sql = Sql.for(sequelize);
  }

  /** On every GET /api/v1/me: a prepared statement, not a model read (bench:me). */
  async find(tenant: string, accountId: string): Promise<IdMapping | null> {
    const [row] = await this.sql.select<TwoFactorIdRow>(
      'SELECT account_id, two_factor_id, source, updated_at FROM two_factor_ids WHERE client_key = :tenant AND account_id = :accountId',
      { tenant, accountId },
    );
    return row ? toMapping(row) : null;
  }

  async holderOf(tenant: string, key: string): Promise<string | null> {
    const [row] = await this.sql.select<{ account_id: string }>('SELECT account_id FROM two_factor_ids WHERE client_key = :tenant AND id_key = :key', {
      tenant,
      key,
    });
    return row?.account_id ?? null;
  }

  async findMany(tenant: string, accountIds: readonly string[]): Promise<Map<string, IdMapping>> {
    if (accountIds.length === 0) return new Map();
    const rows = await this.rows.findAll({ where: { client_key: tenant, account_id: { [Op.in]: [...accountIds] } }, raw: true });
    return new Map(rows.map((row) => [row.account_id, toMapping(row)]));
  }

  /** 2FA ID key (lower case) → accountId, for the keys that some user holds. */
  async findByIdKeys(tenant: string, keys: readonly string[]): Promise<Map<string, string>> {
    const found = new Map<string, string>();
    for (let i = 0; i < keys.length; i += 500) {
      const rows = await this.rows.findAll({
        where: { client_key: tenant, id_key: { [Op.in]: keys.slice(i, i + 500) } },
        attributes: ['id_key', 'account_id'],
        raw: true,
      });
      for (const row of rows) found.set(row.id_key, row.account_id);
    }
    return found;
  }

  async listPage(tenant: string, options: { after: string | null; limit: number; dataCenter: boolean }): Promise<IdMapping[]> {
    const kind = options.dataCenter ? { [Op.like]: 'dc:%' } : { [Op.notLike]: 'dc:%' };
    const rows = await this.rows.findAll({
      where: { client_key: tenant, account_id: options.after === null ? kind : { [Op.and]: [kind, { [Op.gt]: options.after }] } },
      order: [['account_id', 'ASC']],
      limit: options.limit,
      raw: true,
    });
    return rows.map(toMapping);
  }

  async assign(tenant: string, accountId: string, twoFactorId: string, key: string, source: IdSource, at: Date): Promise<boolean> {
    try {
      const [changed] = await this.rows.update(
        { two_factor_id: twoFactorId, id_key: key, source, updated_at: at },
        { where: { client_key: tenant, account_id: accountId } },
      );
      if (changed === 1) return true;
      await this.rows.create({ client_key: tenant, account_id: accountId, two_factor_id: twoFactorId, id_key: key, source, created_at: at, updated_at: at });
      return true;
    } catch (error) {
      if (error instanceof UniqueConstraintError) return false;
      throw error;
    }
  }
}

function toMapping(row: TwoFactorIdRow): IdMapping {
  return { accountId: row.account_id, twoFactorId: row.two_factor_id, source: row.source as IdSource, updatedAt: toDate(row.updated_at) as Date };
}
