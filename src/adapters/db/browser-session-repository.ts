import type { Sequelize } from 'sequelize';
import type { BrowserSessionRecord, BrowserSessionRepository } from '../../domain/mfa/browser-session';
import type { VerificationSession } from '../../domain/mfa/session';
import { toDate } from './models/mfa-models';
import { Sql, type Statement } from './sql';
import type { UnitOfWork } from './unit-of-work';

/**
 * Browser sessions as part of a unit of work: a verification (a backup code's redemption, a TOTP
 * step's acceptance) starts its session together with the rest of its success. Like `create`, it
 * removes this user's expired sessions on the way.
 */
export function browserSessionsIn(unit: Pick<UnitOfWork, 'statements'>): {
  start(tenant: string, accountId: string, session: BrowserSessionRecord): Promise<void>;
} {
  return {
    start: async (tenant, accountId, session) => {
      for (const statement of startBrowserSessionStatements(tenant, accountId, session)) await unit.statements.changed(statement.sql, statement.params);
    },
  };
}

/** The start as parts of a larger write (`Sql.changedThen`): the user's expired sessions removed, the new one stored. */
export function startBrowserSessionStatements(tenant: string, accountId: string, session: BrowserSessionRecord): Statement[] {
  return [
    { sql: DELETE_EXPIRED_SQL, params: { tenant, accountId, now: session.verifiedAt } },
    { sql: INSERT_BROWSER_SESSION_SQL, params: browserSessionParams(tenant, accountId, session) },
  ];
}

/**
 * The start as parts of one Postgres statement (totp-credential-repository.ts `acceptStep`), only if
 * the CTE named `guard` answered a row: the user's expired sessions removed, the new one stored. Its
 * parameters from `browserSessionAfterParams`.
 */
export function startBrowserSessionAfter(guard: string): { sweep: string; insert: string } {
  return {
    sweep: `DELETE FROM browser_sessions WHERE client_key = :tenant AND account_id = :accountId AND verified_until <= :browserAt::timestamptz
       AND EXISTS (SELECT 1 FROM ${guard})`,
    insert: `INSERT INTO browser_sessions (token_hash, client_key, account_id, verified_at, verified_until)
       SELECT :tokenHash::text, :tenant::text, :accountId::text, :browserAt::timestamptz, :browserUntil::timestamptz WHERE EXISTS (SELECT 1 FROM ${guard})`,
  };
}

export function browserSessionAfterParams(session: BrowserSessionRecord): Record<string, unknown> {
  return { tokenHash: session.tokenHash, browserAt: session.verifiedAt, browserUntil: session.verifiedUntil };
}

/** This user's sessions that ended by :now (sessions end by time, and no job sweeps them). */
const DELETE_EXPIRED_SQL = 'DELETE FROM browser_sessions WHERE client_key = :tenant AND account_id = :accountId AND verified_until <= :now';

/** Stores a browser's session (:tokenHash, :tenant, :accountId, :verifiedAt, :verifiedUntil). */
const INSERT_BROWSER_SESSION_SQL =
  'INSERT INTO browser_sessions (token_hash, client_key, account_id, verified_at, verified_until) VALUES (:tokenHash, :tenant, :accountId, :verifiedAt, :verifiedUntil)';

/** The parameters of `INSERT_BROWSER_SESSION_SQL`. */
function browserSessionParams(tenant: string, accountId: string, session: BrowserSessionRecord): Record<string, unknown> {
  return { tokenHash: session.tokenHash, tenant, accountId, verifiedAt: session.verifiedAt, verifiedUntil: session.verifiedUntil };
}

interface Row {
  verified_at: Date | string;
  verified_until: Date | string;
}

/**
 * 2FA sessions of browsers, by the SHA-256 of their credential (the primary key). Every statement
 * also filters on tenant and account: a credential presented for another user finds nothing.
 */
export class SequelizeBrowserSessionRepository implements BrowserSessionRepository {
  private readonly sql: Sql;

  constructor(sequelize: Sequelize) {
    this.sql = Sql.for(sequelize);
  }

  async create(tenant: string, accountId: string, session: BrowserSessionRecord, now: Date): Promise<void> {
    // Expired rows of this user go on the way (one indexed DELETE): sessions end by time, and no job
    // sweeps them. Another user's are left to their own next verification or to the tenant purge.
    await Promise.all([
      this.sql.changed(DELETE_EXPIRED_SQL, { tenant, accountId, now }),
      this.sql.insert(INSERT_BROWSER_SESSION_SQL, browserSessionParams(tenant, accountId, session)),
    ]);
  }

  async find(tenant: string, accountId: string, tokenHash: string): Promise<VerificationSession | null> {
    const [row] = await this.sql.select<Row>(
      'SELECT verified_at, verified_until FROM browser_sessions WHERE token_hash = :tokenHash AND client_key = :tenant AND account_id = :accountId',
      { tokenHash, tenant, accountId },
    );
    return row ? { verifiedAt: toDate(row.verified_at) as Date, verifiedUntil: toDate(row.verified_until) as Date } : null;
  }

  endAll(tenant: string, accountId: string): Promise<number> {
    return this.sql.changed('DELETE FROM browser_sessions WHERE client_key = :tenant AND account_id = :accountId', { tenant, accountId });
  }
}
