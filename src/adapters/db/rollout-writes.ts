import type { IdSource } from '../../domain/idmap/two-factor-ids';
import type { JobTransaction } from '../../domain/jobs/job-kind';
import type { RolloutWrites } from '../../domain/rollout/rollout-job';
import { auditLogIn } from './audit-log-repository';
import { unitOfJob } from './job-transaction';
import { toDate } from './models/mfa-models';
import { isUniqueViolation } from './unique-violation';

/**
 * A rollout item's writes in the item's transaction: the 2FA ID (two_factor_ids, unique per tenant by
 * `id_key`) and its audit entry commit together with the item's `done`.
 */
export function rolloutWritesIn(transaction: JobTransaction): RolloutWrites {
  const unit = unitOfJob(transaction);
  const { statements } = unit;
  return {
    async mapping(tenant, accountId) {
      const [row] = await statements.select<{ account_id: string; two_factor_id: string; source: string; updated_at: Date | string }>(
        'SELECT account_id, two_factor_id, source, updated_at FROM two_factor_ids WHERE client_key = :tenant AND account_id = :accountId',
        { tenant, accountId },
      );
      return row
        ? {
            accountId: row.account_id,
            twoFactorId: row.two_factor_id,
            source: row.source as IdSource,
            updatedAt: toDate(row.updated_at) ?? new Date(Number.NaN),
          }
        : null;
    },
    async holderOf(tenant, key) {
      const [row] = await statements.select<{ account_id: string; display_name: string | null }>(
        `SELECT m.account_id, u.display_name FROM two_factor_ids m
         LEFT JOIN directory_users u ON u.client_key = m.client_key AND u.account_id = m.account_id
         WHERE m.client_key = :tenant AND m.id_key = :key`,
        { tenant, key },
      );
      return row ? { accountId: row.account_id, displayName: row.display_name } : null;
    },
    async assign(tenant, accountId, twoFactorId, key, at) {
      // On Postgres a savepoint, so that a unique violation (a concurrent claim of the same ID) leaves the
      // item's transaction usable (any failed statement aborts the whole transaction there); SQLite undoes
      // just the failed statement.
      if (unit.postgres) await statements.changed('SAVEPOINT assign_id', {});
      try {
        await statements.insert(
          `INSERT INTO two_factor_ids (client_key, account_id, two_factor_id, id_key, source, created_at, updated_at)
           VALUES (:tenant, :accountId, :twoFactorId, :key, 'pattern', :at, :at)
           ON CONFLICT (client_key, account_id) DO UPDATE SET two_factor_id = excluded.two_factor_id, id_key = excluded.id_key,
             source = excluded.source, updated_at = excluded.updated_at`,
          { tenant, accountId, twoFactorId, key, at },
        );
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
        if (unit.postgres) await statements.changed('ROLLBACK TO SAVEPOINT assign_id', {});
        return false;
      }
      if (unit.postgres) await statements.changed('RELEASE SAVEPOINT assign_id', {});
      return true;
    },
    audit: (tenant, entry) => auditLogIn(unit).record(tenant, entry),
  };
}
