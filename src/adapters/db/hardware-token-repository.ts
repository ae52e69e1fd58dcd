import { QueryTypes, UniqueConstraintError, type Sequelize } from 'sequelize';
import type { SecretBox } from '../../domain/ports/secret-box';
import type { HardwareToken, HardwareTokenRepository, StagedToken } from '../../domain/tokens/hardware-tokens';
import { hardwareTokenSecretContext } from './sealed-columns';
import { Sql } from './sql';
import { inUserTransaction } from './user-transaction';

interface TokenRow {
  id: string;
  client_key: string;
  serial: string;
  serial_key: string;
  manufacturer: string;
  model: string;
  account_id: string;
  period: number | string;
  import_id: string;
  state: string;
  secret_sealed: string | null;
  imported_at: Date | string;
  assigned_at: Date | string | null;
  last_used_step?: number | string | null;
  /** From the listing's join: the credential the token became, if it still exists. */
  credential_id?: string | null;
}

const COLUMNS = 'id, client_key, serial, serial_key, manufacturer, model, account_id, period, import_id, state, secret_sealed, imported_at, assigned_at';

/** Hardware tokens (migration 0311); a staged seed is sealed, bound to its tenant and token id. */
export class SequelizeHardwareTokenRepository implements HardwareTokenRepository {
  private readonly sql: Sql;

  constructor(
    private readonly sequelize: Sequelize,
    private readonly secretBox: SecretBox,
  ) {
    this.sql = Sql.for(sequelize);
  }

  async existingSerials(tenant: string, serialKeys: readonly string[]): Promise<Set<string>> {
    const found = new Set<string>();
    for (let i = 0; i < serialKeys.length; i += 500) {
      const rows = await this.sequelize.query<{ serial_key: string }>(
        'SELECT serial_key FROM hardware_tokens WHERE client_key = :tenant AND serial_key IN (:keys)',
        {
          replacements: { tenant, keys: serialKeys.slice(i, i + 500) },
          type: QueryTypes.SELECT,
        },
      );
      for (const row of rows) found.add(row.serial_key);
    }
    return found;
  }

  async stage(tenant: string, importId: string, tokens: readonly StagedToken[], at: Date): Promise<boolean> {
    try {
      await this.sequelize.transaction(async (transaction) => {
        for (let i = 0; i < tokens.length; i += 200) {
          await this.sequelize.getQueryInterface().bulkInsert(
            'hardware_tokens',
            tokens.slice(i, i + 200).map((token) => ({
              id: token.id,
              client_key: tenant,
              serial: token.serial,
              serial_key: token.serial.toLowerCase(),
              manufacturer: token.manufacturer,
              model: token.model,
              account_id: token.accountId,
              period: token.period,
              import_id: importId,
              state: 'staged',
              secret_sealed: this.secretBox.seal(token.secret.toString('base64'), hardwareTokenSecretContext(tenant, token.id)),
              imported_at: at,
              assigned_at: null,
            })),
            { transaction },
          );
        }
      });
      return true;
    } catch (error) {
      if (error instanceof UniqueConstraintError) return false;
      throw error;
    }
  }

  async dropStaged(tenant: string, importId: string): Promise<void> {
    await this.sql.changed("DELETE FROM hardware_tokens WHERE client_key = :tenant AND import_id = :importId AND state = 'staged'", { tenant, importId });
  }

  async pageOfImport(tenant: string, importId: string, after: string | null, limit: number): Promise<string[]> {
    const rows = await this.sql.select<{ id: string }>(
      after === null
        ? 'SELECT id FROM hardware_tokens WHERE client_key = :tenant AND import_id = :importId ORDER BY id LIMIT :limit'
        : 'SELECT id FROM hardware_tokens WHERE client_key = :tenant AND import_id = :importId AND id > :after ORDER BY id LIMIT :limit',
      { tenant, importId, after, limit },
    );
    return rows.map((row) => row.id);
  }

  async findWithSecret(tenant: string, id: string): Promise<{ token: HardwareToken; secret: Buffer | null } | null> {
    const [row] = await this.sql.select<TokenRow>(`SELECT ${COLUMNS} FROM hardware_tokens WHERE client_key = :tenant AND id = :id`, { tenant, id });
    if (!row) return null;
    const secret = row.secret_sealed === null ? null : Buffer.from(this.secretBox.open(row.secret_sealed, hardwareTokenSecretContext(tenant, id)), 'base64');
    return { token: toToken(row), secret };
  }

  async markAssigned(tenant: string, id: string, at: Date): Promise<void> {
    await this.sql.changed("UPDATE hardware_tokens SET state = 'assigned', secret_sealed = NULL, assigned_at = :at WHERE client_key = :tenant AND id = :id", {
      tenant,
      id,
      at,
    });
  }

  async remove(tenant: string, id: string): Promise<void> {
    await this.sql.changed('DELETE FROM hardware_tokens WHERE client_key = :tenant AND id = :id', { tenant, id });
  }

  /** With the last time step its credential accepted (the credential's id is the token's). */
  async list(tenant: string): Promise<HardwareToken[]> {
    const columns = COLUMNS.split(', ')
      .map((column) => `t.${column}`)
      .join(', ');
    const rows = await this.sql.select<TokenRow>(
      `SELECT ${columns}, c.last_used_step, c.id AS credential_id
         FROM hardware_tokens t LEFT JOIN totp_credentials c ON c.id = t.id AND c.client_key = t.client_key
        WHERE t.client_key = :tenant ORDER BY t.serial_key`,
      { tenant },
    );
    return rows.map(toToken);
  }

  async unassign(tenant: string, serial: string): Promise<HardwareToken | null> {
    const [found] = await this.sql.select<TokenRow>(`SELECT ${COLUMNS} FROM hardware_tokens WHERE client_key = :tenant AND serial_key = :serialKey`, {
      tenant,
      serialKey: serial.toLowerCase(),
    });
    if (!found) return null;
    // Serialized with the user's other factor writes (enrollment, import, reset).
    return inUserTransaction(this.sequelize, tenant, found.account_id, async ({ transaction }) => {
      const [row] = await this.sequelize.query<TokenRow>(`SELECT ${COLUMNS} FROM hardware_tokens WHERE client_key = :tenant AND id = :id`, {
        replacements: { tenant, id: found.id },
        type: QueryTypes.SELECT,
        transaction,
      });
      if (!row) return null;
      await this.sequelize.query('DELETE FROM totp_credentials WHERE client_key = :tenant AND account_id = :accountId AND id = :id', {
        replacements: { tenant, accountId: row.account_id, id: row.id },
        transaction,
      });
      await this.sequelize.query('DELETE FROM hardware_tokens WHERE client_key = :tenant AND id = :id', { replacements: { tenant, id: row.id }, transaction });
      return toToken(row);
    });
  }
}

function toToken(row: TokenRow): HardwareToken {
  return {
    id: row.id,
    serial: row.serial,
    manufacturer: row.manufacturer,
    model: row.model,
    accountId: row.account_id,
    period: Number(row.period) === 60 ? 60 : 30,
    state: row.state !== 'assigned' ? 'staged' : row.credential_id === null ? 'detached' : 'assigned',
    importedAt: new Date(row.imported_at),
    assignedAt: row.assigned_at === null ? null : new Date(row.assigned_at),
    lastUsedAt:
      row.last_used_step === null || row.last_used_step === undefined
        ? null
        : new Date(Number(row.last_used_step) * (Number(row.period) === 60 ? 60 : 30) * 1000),
  };
}
