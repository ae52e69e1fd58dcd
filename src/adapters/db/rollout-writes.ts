import { UniqueConstraintError } from 'sequelize';
import type { IdSource } from '../../domain/idmap/two-factor-ids';
import type { JobTransaction } from '../../domain/jobs/job-kind';
import type { RolloutWrites } from '../../domain/rollout/rollout-job';
import { auditLogIn } from './audit-log-repository';
import { unitOfJob } from './job-transaction';
import { toDate } from './models/mfa-models';

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
      // A savepoint, so that a unique violation (a concurrent claim of the same ID) leaves the item's
      // transaction usable on Postgres, where any failed statement aborts the whole transaction.
      try {
        return await unit.sequelize.transaction({ transaction: unit.transaction }, async (savepoint) => {
          const changed = await unit.sequelize.query(
            `UPDATE two_factor_ids SET two_factor_id = $1, id_key = $2, source = 'pattern', updated_at = $3 WHERE client_key = $4 AND account_id = $5`,
            { bind: [twoFactorId, key, at, tenant, accountId], transaction: savepoint, type: 'BULKUPDATE' as never },
          );
          if (Number(changed) === 0) {
            await unit.sequelize.query(
              `INSERT INTO two_factor_ids (client_key, account_id, two_factor_id, id_key, source, created_at, updated_at) VALUES ($1, $2, $3, $4, 'pattern', $5, $5)`,
              { bind: [tenant, accountId, twoFactorId, key, at], transaction: savepoint },
            );
          }
          return true;
        });
      } catch (error) {
        if (error instanceof UniqueConstraintError) return false;
        throw error;
      }
    },
    audit: (tenant, entry) => auditLogIn(unit).record(tenant, entry),
  };
}
