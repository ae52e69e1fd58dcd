import { Op, type ModelStatic, type Sequelize } from 'sequelize';
import { NO_FAILURES, type FailureState } from '../../domain/mfa/lockout';
import type { FailureCounterRepository } from '../../domain/mfa/ports';
import { mfaModels, toNumber, type FailureCounterRow } from './models/mfa-models';
import { Sql, type Statement } from './sql';
import type { UnitOfWork } from './unit-of-work';

/** The columns of a counter that make up its state (also read by verification-state-reader.ts). */
export const FAILURE_STATE_COLUMNS = ['failures', 'window_started_ms', 'locked_until_ms'] as const;
const COLUMNS = FAILURE_STATE_COLUMNS.join(', ');

/** The tenant-wide counter's row: account_id '' (no accountId is empty). */
export const TENANT_ROW = '';

type StateRow = Pick<FailureCounterRow, 'failures' | 'window_started_ms' | 'locked_until_ms'>;

// In SET, column references read the row as it was before this statement (SQLite and Postgres).
const OPEN = 'failure_counters.failures > 0 AND failure_counters.window_started_ms > :cutoff';

/**
 * One more attempt on a counter, in one statement: an upsert (INSERT … ON CONFLICT DO UPDATE, the same
 * SQL on SQLite and Postgres) that keeps the window if it is still open, else opens a new one with a
 * count of 1, and answers the row after it with RETURNING (SQLite 3.35+, Postgres). `version` is
 * bumped by every write, for whoever looks at the table.
 */
const INCREMENT = `INSERT INTO failure_counters (client_key, account_id, failures, window_started_ms, locked_until_ms, version)
  VALUES (:tenant, :accountId, 1, :now, NULL, 1)
  ON CONFLICT (client_key, account_id) DO UPDATE SET
    failures = CASE WHEN ${OPEN} THEN failure_counters.failures + 1 ELSE 1 END,
    window_started_ms = CASE WHEN ${OPEN} THEN failure_counters.window_started_ms ELSE :now END,
    version = failure_counters.version + 1
  RETURNING ${COLUMNS}`;

/** Clears a user's count and lockout (:tenant, :accountId), on the pool or in a unit of work. */
const RESET_USER_SQL = `UPDATE failure_counters SET failures = 0, window_started_ms = NULL, locked_until_ms = NULL, version = version + 1
       WHERE client_key = :tenant AND account_id = :accountId`;

/**
 * The reset as a part of one Postgres statement (totp-credential-repository.ts `acceptStep`): it
 * happens only if the CTE named `guard` answered a row.
 */
export function resetUserAfter(guard: string): string {
  return `${RESET_USER_SQL} AND EXISTS (SELECT 1 FROM ${guard})`;
}

/** The reset as a part of a larger write (`Sql.changedThen`). */
export function resetUserStatement(tenant: string, accountId: string): Statement {
  return { sql: RESET_USER_SQL, params: { tenant, accountId } };
}

/** The counters' part in a larger write (a backup code's redemption): the reset commits with it. */
export function failureCountersIn(unit: Pick<UnitOfWork, 'statements'>): { resetUser(tenant: string, accountId: string): Promise<void> } {
  return {
    resetUser: async (tenant, accountId) => {
      const reset = resetUserStatement(tenant, accountId);
      await unit.statements.changed(reset.sql, reset.params);
    },
  };
}

/**
 * Lockout counters: every write one atomic statement, so that concurrent attempts across app
 * instances never lose a count and never share a place in a user's budget (ports.ts).
 */
export class SequelizeFailureCounterRepository implements FailureCounterRepository {
  private readonly rows: ModelStatic<FailureCounterRow>;
  private readonly sql: Sql;

  constructor(sequelize: Sequelize) {
    this.rows = mfaModels(sequelize).failureCounters;
    this.sql = Sql.for(sequelize);
  }

  reserveAttempt(tenant: string, accountId: string, now: Date, windowMinutes: number): Promise<FailureState> {
    return this.increment(tenant, accountId, now, windowMinutes);
  }

  async releaseAttempt(tenant: string, accountId: string, windowStartedAt: Date): Promise<void> {
    await this.sql.changed(
      `UPDATE failure_counters SET failures = failures - 1, version = version + 1
       WHERE client_key = :tenant AND account_id = :accountId AND window_started_ms = :window AND failures > 0`,
      { tenant, accountId, window: windowStartedAt.getTime() },
    );
  }

  async lockUser(tenant: string, accountId: string, windowStartedAt: Date, until: Date): Promise<void> {
    await this.sql.changed(
      `UPDATE failure_counters SET locked_until_ms = :until, version = version + 1
       WHERE client_key = :tenant AND account_id = :accountId AND window_started_ms = :window
         AND (locked_until_ms IS NULL OR locked_until_ms < :until)`,
      { tenant, accountId, window: windowStartedAt.getTime(), until: until.getTime() },
    );
  }

  countTenantFailure(tenant: string, now: Date, windowMinutes: number): Promise<FailureState> {
    return this.increment(tenant, TENANT_ROW, now, windowMinutes);
  }

  async resetUser(tenant: string, accountId: string): Promise<void> {
    await this.sql.changed(RESET_USER_SQL, { tenant, accountId });
  }

  async lockedUntilMany(tenant: string, accountIds: readonly string[], now: Date): Promise<Map<string, Date>> {
    const wanted = accountIds.filter((id) => id !== TENANT_ROW);
    if (wanted.length === 0) return new Map();
    // One user (GET /api/v1/me on every page view): a plain statement on the hot path; a page of users
    // (the admin roster): one query through the model, whose IN list Sequelize expands.
    const rows =
      wanted.length === 1
        ? await this.sql.select<StateRow & { account_id: string }>(
            `SELECT account_id, ${COLUMNS} FROM failure_counters WHERE client_key = :tenant AND account_id = :accountId AND locked_until_ms > :now`,
            { tenant, accountId: wanted[0], now: now.getTime() },
          )
        : await this.rows.findAll({
            attributes: ['account_id', ...FAILURE_STATE_COLUMNS],
            where: { client_key: tenant, account_id: { [Op.in]: wanted }, locked_until_ms: { [Op.gt]: now.getTime() } },
            raw: true,
          });
    const locked = new Map<string, Date>();
    for (const row of rows) {
      const until = failureStateFromRow(row).lockedUntil;
      if (until) locked.set(row.account_id, until);
    }
    return locked;
  }

  private async increment(tenant: string, accountId: string, now: Date, windowMinutes: number): Promise<FailureState> {
    const nowMs = now.getTime();
    const [row] = await this.sql.select<StateRow>(INCREMENT, { tenant, accountId, now: nowMs, cutoff: nowMs - windowMinutes * 60_000 });
    if (!row) throw new Error('the failure counter upsert returned no row');
    return failureStateFromRow(row);
  }
}

/**
 * A counter row as the domain sees it. `prefix` reads aliased columns (`u_failures`, …); a row whose
 * columns are all null (a LEFT JOIN that found nothing) is `NO_FAILURES`.
 */
export function failureStateFromRow(row: object, prefix = ''): FailureState {
  const value = (column: (typeof FAILURE_STATE_COLUMNS)[number]) => (row as Record<string, number | string | null | undefined>)[`${prefix}${column}`];
  const failures = toNumber(value('failures'));
  if (failures === null) return NO_FAILURES;
  const windowStarted = toNumber(value('window_started_ms'));
  const lockedUntil = toNumber(value('locked_until_ms'));
  return {
    failures,
    windowStartedAt: windowStarted === null ? null : new Date(windowStarted),
    lockedUntil: lockedUntil === null ? null : new Date(lockedUntil),
  };
}
