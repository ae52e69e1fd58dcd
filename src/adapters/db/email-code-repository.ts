import type { Sequelize } from 'sequelize';
import type { EmailCodeIssue, EmailCodePurpose, EmailCodeRepository, NewEmailCode, StoredEmailCode } from '../../domain/mfa/email-code';
import type { EmailConfirmationRepository } from '../../domain/mfa/email-confirmation';
import { toDate } from './models/mfa-models';
import { Sql } from './sql';
import { inUserTransaction } from './user-transaction';

interface Row {
  id: string;
  code_hash: string;
  purpose: string;
  expires_at: Date | string;
  used_at: Date | string | null;
}

/** Email codes and confirmed addresses (migration 0500), in plain statements on the pool. */
export class SequelizeEmailCodeRepository implements EmailCodeRepository, EmailConfirmationRepository {
  private readonly sql: Sql;

  constructor(private readonly sequelize: Sequelize) {
    this.sql = Sql.for(sequelize);
  }

  /**
   * In one transaction under the user's lock (user-transaction.ts), so that concurrent sends, on any
   * number of instances, are counted one after the other: rows older than the window go, the window
   * is counted, and the code is stored only if there is room. A burst of sends gets exactly the
   * room there is, never more.
   */
  issue(tenant: string, accountId: string, code: NewEmailCode, limit: { since: Date; max: number }): Promise<EmailCodeIssue> {
    const user = { tenant, accountId };
    return inUserTransaction(this.sequelize, tenant, accountId, async ({ statements }) => {
      await statements.changed('DELETE FROM email_codes WHERE client_key = :tenant AND account_id = :accountId AND created_at <= :since', {
        ...user,
        since: limit.since,
      });
      const rows = await statements.select<{ created_at: Date | string }>(
        'SELECT created_at FROM email_codes WHERE client_key = :tenant AND account_id = :accountId AND created_at > :since ORDER BY created_at',
        { ...user, since: limit.since },
      );
      if (rows.length >= limit.max) return { issued: false, oldestSendAt: toDate(rows[0]?.created_at) ?? code.createdAt };
      await statements.insert(
        'INSERT INTO email_codes (id, client_key, account_id, purpose, code_hash, address, created_at, expires_at, used_at) VALUES (:id, :tenant, :accountId, :purpose, :hash, :address, :createdAt, :expiresAt, NULL)',
        { ...user, id: code.id, purpose: code.purpose, hash: code.hash, address: code.address, createdAt: code.createdAt, expiresAt: code.expiresAt },
      );
      return { issued: true };
    });
  }

  async live(tenant: string, accountId: string, purpose: EmailCodePurpose, now: Date): Promise<StoredEmailCode[]> {
    const rows = await this.sql.select<Row>(
      'SELECT id, code_hash, purpose, expires_at, used_at FROM email_codes WHERE client_key = :tenant AND account_id = :accountId AND purpose = :purpose AND expires_at > :now',
      { tenant, accountId, purpose, now },
    );
    return rows.map((row) => ({
      id: row.id,
      hash: row.code_hash,
      purpose: row.purpose as EmailCodePurpose,
      expiresAt: toDate(row.expires_at) as Date,
      usedAt: toDate(row.used_at),
    }));
  }

  async redeem(tenant: string, accountId: string, codeId: string, now: Date): Promise<{ address: string } | null> {
    const params = { tenant, accountId, id: codeId, now };
    const changed = await this.sql.changed(
      'UPDATE email_codes SET used_at = :now WHERE id = :id AND client_key = :tenant AND account_id = :accountId AND used_at IS NULL AND expires_at > :now',
      params,
    );
    if (changed !== 1) return null;
    const [row] = await this.sql.select<{ address: string }>(
      'SELECT address FROM email_codes WHERE id = :id AND client_key = :tenant AND account_id = :accountId',
      params,
    );
    return row ? { address: row.address } : null;
  }

  async discard(tenant: string, accountId: string, codeId: string): Promise<void> {
    await this.sql.changed('DELETE FROM email_codes WHERE id = :id AND client_key = :tenant AND account_id = :accountId', { tenant, accountId, id: codeId });
  }

  async confirmedAddress(tenant: string, accountId: string): Promise<string | null> {
    const [row] = await this.sql.select<{ address: string }>('SELECT address FROM email_confirmations WHERE client_key = :tenant AND account_id = :accountId', {
      tenant,
      accountId,
    });
    return row?.address ?? null;
  }

  async saveConfirmation(tenant: string, accountId: string, address: string, at: Date): Promise<void> {
    const params = { tenant, accountId, address, at };
    // One upsert, the same text on SQLite (3.24+) and Postgres.
    await this.sql.insert(
      'INSERT INTO email_confirmations (client_key, account_id, address, confirmed_at) VALUES (:tenant, :accountId, :address, :at) ON CONFLICT (client_key, account_id) DO UPDATE SET address = excluded.address, confirmed_at = excluded.confirmed_at',
      params,
    );
  }
}
