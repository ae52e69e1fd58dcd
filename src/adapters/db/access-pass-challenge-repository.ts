import type { Sequelize } from 'sequelize';
import type { ChallengeRecord, ChallengeRepository, ChallengeState } from '../../domain/approvals/ports';
import { toDate } from './models/mfa-models';
import { Sql } from './sql';

interface Row {
  id: string;
  client_key: string;
  account_id: string;
  symbol_id: string;
  choices: string;
  nonce: string;
  state: string;
  user_label: string;
  site: string;
  ip: string;
  created_at: Date | string;
  expires_at: Date | string;
  claimed_at: Date | string | null;
}

const COLUMNS = 'id, client_key, account_id, symbol_id, choices, nonce, state, user_label, site, ip, created_at, expires_at, claimed_at';

/**
 * Access-pass challenges. Settling and claiming are conditional UPDATEs whose affected-row count
 * decides between racing answers (two phones, a replayed answer, a poll on two instances).
 */
export class SequelizeChallengeRepository implements ChallengeRepository {
  private readonly sql: Sql;

  constructor(sequelize: Sequelize) {
    this.sql = Sql.for(sequelize);
  }

  async create(challenge: ChallengeRecord): Promise<void> {
    // The user's challenges of yesterday go on the way (nothing else sweeps them; a day keeps them for support).
    await this.sql.changed('DELETE FROM access_pass_challenges WHERE client_key = :tenant AND account_id = :accountId AND expires_at <= :before', {
      tenant: challenge.tenant,
      accountId: challenge.accountId,
      before: new Date(challenge.createdAt.getTime() - 24 * 3600_000),
    });
    await this.sql.insert(
      `INSERT INTO access_pass_challenges (${COLUMNS}, answered_at, device_id)
       VALUES (:id, :tenant, :accountId, :symbolId, :choices, :nonce, :state, :userLabel, :site, :ip, :createdAt, :expiresAt, NULL, NULL, NULL)`,
      {
        id: challenge.id,
        tenant: challenge.tenant,
        accountId: challenge.accountId,
        symbolId: challenge.symbolId,
        choices: challenge.choices.join(','),
        nonce: challenge.nonce,
        state: challenge.state,
        userLabel: challenge.userLabel.slice(0, 255),
        site: challenge.site.slice(0, 255),
        ip: challenge.ip.slice(0, 64),
        createdAt: challenge.createdAt,
        expiresAt: challenge.expiresAt,
      },
    );
  }

  async find(tenant: string, accountId: string, id: string): Promise<ChallengeRecord | null> {
    const [row] = await this.sql.select<Row>(
      `SELECT ${COLUMNS} FROM access_pass_challenges WHERE id = :id AND client_key = :tenant AND account_id = :accountId`,
      {
        id,
        tenant,
        accountId,
      },
    );
    return row ? toChallenge(row) : null;
  }

  async pending(tenant: string, accountId: string, now: Date): Promise<ChallengeRecord[]> {
    const rows = await this.sql.select<Row>(
      `SELECT ${COLUMNS} FROM access_pass_challenges
        WHERE client_key = :tenant AND account_id = :accountId AND state = 'pending' AND expires_at > :now ORDER BY created_at, id`,
      { tenant, accountId, now },
    );
    return rows.map(toChallenge);
  }

  async settle(tenant: string, id: string, to: 'approved' | 'denied', deviceId: string, now: Date): Promise<boolean> {
    const changed = await this.sql.changed(
      `UPDATE access_pass_challenges SET state = :to, answered_at = :now, device_id = :deviceId
        WHERE id = :id AND client_key = :tenant AND state = 'pending' AND expires_at > :now`,
      { to, now, deviceId, id, tenant },
    );
    return changed === 1;
  }

  async claim(tenant: string, id: string, now: Date): Promise<boolean> {
    const changed = await this.sql.changed(
      `UPDATE access_pass_challenges SET claimed_at = :now WHERE id = :id AND client_key = :tenant AND state = 'approved' AND claimed_at IS NULL`,
      { now, id, tenant },
    );
    return changed === 1;
  }
}

function toChallenge(row: Row): ChallengeRecord {
  return {
    id: row.id,
    tenant: row.client_key,
    accountId: row.account_id,
    symbolId: row.symbol_id,
    choices: row.choices.split(','),
    nonce: row.nonce,
    state: row.state as ChallengeState,
    userLabel: row.user_label,
    site: row.site,
    ip: row.ip,
    createdAt: toDate(row.created_at) as Date,
    expiresAt: toDate(row.expires_at) as Date,
    claimedAt: toDate(row.claimed_at),
  };
}
