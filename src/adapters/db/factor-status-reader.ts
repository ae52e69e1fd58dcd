import type { Sequelize } from 'sequelize';
import type { IdSource } from '../../domain/idmap/two-factor-ids';
import { storedTotpParameters } from '../../domain/mfa/otp-parameters';
import type { FactorStatusReader, FactorStatusRecord } from '../../domain/mfa/ports';
import type { VerificationSession } from '../../domain/mfa/session';
import { toDate, toNumber } from './models/mfa-models';
import { Sql } from './sql';

interface Row {
  algorithm: string | null;
  digits: number | string | null;
  period: number | string | null;
  confirmed_at: Date | string | null;
  pending: number | string;
  unused_backup_codes: number | string;
  last_verified_at: Date | string | null;
  last_verified_until: Date | string | null;
  browser_verified_at: Date | string | null;
  browser_verified_until: Date | string | null;
  two_factor_id: string | null;
  id_source: string | null;
  id_updated_at: Date | string | null;
  locked_until_ms: number | string | null;
}

/**
 * `GET /api/v1/me`'s one statement (the same SQL on SQLite and Postgres): the active credential's
 * parameters, whether a set-up is pending, the unused backup codes, the account's last session, the
 * asking browser's session, the stored 2FA ID and a lockout still running, each LEFT JOINed to a
 * one-row anchor so that the row exists whatever is missing. Every join names the tenant and the
 * account, and each is an index lookup on its table's key. No secret column is read.
 * (It replaced five statements, one per repository: bench:me.)
 */
const SQL = `SELECT c.algorithm, c.digits, c.period, c.confirmed_at,
       CASE WHEN EXISTS (SELECT 1 FROM totp_credentials p WHERE p.client_key = :tenant AND p.account_id = :accountId AND p.status = 'pending')
            THEN 1 ELSE 0 END AS pending,
       (SELECT COUNT(*) FROM backup_codes b WHERE b.client_key = :tenant AND b.account_id = :accountId AND b.used_at IS NULL) AS unused_backup_codes,
       s.verified_at AS last_verified_at, s.verified_until AS last_verified_until,
       bs.verified_at AS browser_verified_at, bs.verified_until AS browser_verified_until,
       m.two_factor_id, m.source AS id_source, m.updated_at AS id_updated_at,
       f.locked_until_ms
  FROM (SELECT 1 AS anchor) AS one
  LEFT JOIN totp_credentials c ON c.client_key = :tenant AND c.account_id = :accountId AND c.status = 'active'
  LEFT JOIN verification_sessions s ON s.client_key = :tenant AND s.account_id = :accountId
  LEFT JOIN browser_sessions bs ON bs.token_hash = :tokenHash AND bs.client_key = :tenant AND bs.account_id = :accountId
  LEFT JOIN two_factor_ids m ON m.client_key = :tenant AND m.account_id = :accountId
  LEFT JOIN failure_counters f ON f.client_key = :tenant AND f.account_id = :accountId AND f.locked_until_ms > :now`;

function session(at: Date | string | null, until: Date | string | null): VerificationSession | null {
  return at === null || until === null ? null : { verifiedAt: toDate(at) as Date, verifiedUntil: toDate(until) as Date };
}

export class SqlFactorStatusReader implements FactorStatusReader {
  private readonly sql: Sql;

  constructor(sequelize: Sequelize) {
    this.sql = Sql.for(sequelize);
  }

  async read(tenant: string, accountId: string, browserTokenHash: string | null, now: Date): Promise<FactorStatusRecord> {
    const [row] = await this.sql.select<Row>(SQL, { tenant, accountId, tokenHash: browserTokenHash, now: now.getTime() });
    if (!row) throw new Error('the status query returned no row');
    const lockedUntil = toNumber(row.locked_until_ms);
    return {
      enrollment: {
        active:
          row.algorithm === null
            ? null
            : {
                params: storedTotpParameters({ algorithm: row.algorithm, digits: Number(row.digits), period: Number(row.period) }),
                confirmedAt: toDate(row.confirmed_at),
              },
        pending: Number(row.pending) === 1,
        unusedBackupCodes: Number(row.unused_backup_codes),
      },
      lastSession: session(row.last_verified_at, row.last_verified_until),
      browserSession: session(row.browser_verified_at, row.browser_verified_until),
      idMapping:
        row.two_factor_id === null
          ? null
          : { accountId, twoFactorId: row.two_factor_id, source: row.id_source as IdSource, updatedAt: toDate(row.id_updated_at) as Date },
      lockedUntil: lockedUntil === null ? null : new Date(lockedUntil),
    };
  }
}
