import type { Sequelize } from 'sequelize';
import type { PairingRecord, PairingRepository } from '../../domain/approvals/ports';
import { toDate } from './models/mfa-models';
import { Sql } from './sql';

interface Row {
  client_key: string;
  account_id: string;
  expires_at: Date | string;
  used_at: Date | string | null;
}

/** Pairings, by the SHA-256 of their token (the primary key); a used one stays, so that a second use is told apart. */
export class SequelizePairingRepository implements PairingRepository {
  private readonly sql: Sql;

  constructor(sequelize: Sequelize) {
    this.sql = Sql.for(sequelize);
  }

  async create(tokenHash: string, record: Omit<PairingRecord, 'usedAt'>, now: Date): Promise<void> {
    // The user's stale pairings go on the way: nothing else sweeps them.
    await this.sql.changed('DELETE FROM device_pairings WHERE client_key = :tenant AND account_id = :accountId AND expires_at <= :now', {
      tenant: record.tenant,
      accountId: record.accountId,
      now,
    });
    await this.sql.insert(
      'INSERT INTO device_pairings (token_hash, client_key, account_id, created_at, expires_at, used_at) VALUES (:tokenHash, :tenant, :accountId, :now, :expiresAt, NULL)',
      { tokenHash, tenant: record.tenant, accountId: record.accountId, now, expiresAt: record.expiresAt },
    );
  }

  async find(tokenHash: string): Promise<PairingRecord | null> {
    const [row] = await this.sql.select<Row>('SELECT client_key, account_id, expires_at, used_at FROM device_pairings WHERE token_hash = :tokenHash', {
      tokenHash,
    });
    if (!row) return null;
    return { tenant: row.client_key, accountId: row.account_id, expiresAt: toDate(row.expires_at) as Date, usedAt: toDate(row.used_at) };
  }

  async use(tokenHash: string, now: Date): Promise<boolean> {
    return (await this.sql.changed('UPDATE device_pairings SET used_at = :now WHERE token_hash = :tokenHash AND used_at IS NULL', { tokenHash, now })) === 1;
  }
}
