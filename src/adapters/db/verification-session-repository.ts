import type { ModelStatic, Sequelize } from 'sequelize';
import type { VerificationSessionRepository } from '../../domain/mfa/ports';
import type { VerificationSession } from '../../domain/mfa/session';
import { mfaModels, toDate, type VerificationSessionRow } from './models/mfa-models';
import { Sql, type Statement } from './sql';
import type { UnitOfWork } from './unit-of-work';

/** The account's last verification as part of a unit of work (backup-code-repository.ts `redeem`). */
export function verificationSessionsIn(unit: Pick<UnitOfWork, 'statements'>): {
  save(tenant: string, accountId: string, session: VerificationSession): Promise<void>;
} {
  return {
    save: (tenant, accountId, session) => {
      const save = saveSessionStatement(tenant, accountId, session);
      return unit.statements.insert(save.sql, save.params);
    },
  };
}

/** The save as a part of a larger write (`Sql.changedThen`). */
export function saveSessionStatement(tenant: string, accountId: string, session: VerificationSession): Statement {
  return { sql: SAVE_SESSION_SQL, params: sessionParams(tenant, accountId, session) };
}

function sessionParams(tenant: string, accountId: string, session: VerificationSession): Record<string, unknown> {
  return { tenant, accountId, verifiedAt: session.verifiedAt, verifiedUntil: session.verifiedUntil };
}

/**
 * Stores a user's session, replacing the previous one (:tenant, :accountId, :verifiedAt, :verifiedUntil):
 * one statement on both dialects, INSERT … ON CONFLICT DO UPDATE.
 */
const SAVE_SESSION_SQL = `INSERT INTO verification_sessions (client_key, account_id, verified_at, verified_until) VALUES (:tenant, :accountId, :verifiedAt, :verifiedUntil)
       ON CONFLICT (client_key, account_id) DO UPDATE SET verified_at = excluded.verified_at, verified_until = excluded.verified_until`;

/**
 * The save as a part of one Postgres statement (totp-credential-repository.ts `acceptStep`), only if
 * the CTE named `guard` answered a row; its parameters from `sessionAfterParams`.
 */
export function saveSessionAfter(guard: string): string {
  return `INSERT INTO verification_sessions (client_key, account_id, verified_at, verified_until)
       SELECT :tenant::text, :accountId::text, :sessionAt::timestamptz, :sessionUntil::timestamptz WHERE EXISTS (SELECT 1 FROM ${guard})
       ON CONFLICT (client_key, account_id) DO UPDATE SET verified_at = excluded.verified_at, verified_until = excluded.verified_until`;
}

export function sessionAfterParams(session: VerificationSession): Record<string, unknown> {
  return { sessionAt: session.verifiedAt, sessionUntil: session.verifiedUntil };
}

/** One 2FA session per user (tenant + accountId), replaced by each successful verification. */
export class SequelizeVerificationSessionRepository implements VerificationSessionRepository {
  private readonly rows: ModelStatic<VerificationSessionRow>;
  private readonly sql: Sql;

  constructor(sequelize: Sequelize) {
    this.rows = mfaModels(sequelize).sessions;
    this.sql = Sql.for(sequelize);
  }

  async find(tenant: string, accountId: string): Promise<VerificationSession | null> {
    const [row] = await this.sql.select<VerificationSessionRow>(
      'SELECT verified_at, verified_until FROM verification_sessions WHERE client_key = :tenant AND account_id = :accountId',
      { tenant, accountId },
    );
    return row ? { verifiedAt: toDate(row.verified_at) as Date, verifiedUntil: toDate(row.verified_until) as Date } : null;
  }

  async save(tenant: string, accountId: string, session: VerificationSession): Promise<void> {
    await this.sql.insert(SAVE_SESSION_SQL, sessionParams(tenant, accountId, session));
  }

  async clear(tenant: string, accountId: string): Promise<void> {
    await this.rows.destroy({ where: { client_key: tenant, account_id: accountId } });
  }
}
