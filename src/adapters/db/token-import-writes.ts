import type { JobTransaction } from '../../domain/jobs/job-kind';
import { storedTotpParameters } from '../../domain/mfa/otp-parameters';
import type { SecretBox } from '../../domain/ports/secret-box';
import type { TokenItemWrites } from '../../domain/tokens/token-import-kind';
import { auditLogIn } from './audit-log-repository';
import { unitOfJob } from './job-transaction';
import { totpSecretContext } from './sealed-columns';

/**
 * A token import item's writes in the item's transaction (the runner's): the user's TOTP credential
 * (SecretBox-sealed, with the token's id), the token's state and the audit entry commit together with
 * the item's `done`. The same steps as SequelizeTotpCredentialRepository.importActive, in this transaction;
 * on Postgres the user's advisory lock serializes them with the user's other factor writes.
 */
export function tokenImportWritesIn(transaction: JobTransaction, secretBox: SecretBox): TokenItemWrites {
  const unit = unitOfJob(transaction);
  const { statements } = unit;
  return {
    async importActive(tenant, accountId, credentialId, seed, at, replace) {
      if (unit.postgres) {
        await statements.select('SELECT pg_advisory_xact_lock(hashtext(:tenant), hashtext(:accountId)) AS locked', { tenant, accountId });
      }
      const rows = await statements.select<{ id: string; status: string }>(
        'SELECT id, status FROM totp_credentials WHERE client_key = :tenant AND account_id = :accountId',
        {
          tenant,
          accountId,
        },
      );
      if (rows.some((row) => row.id === credentialId)) return 'already_done';
      const active = rows.some((row) => row.status === 'active');
      if (active && !replace) return 'already_enrolled';
      await statements.changed('DELETE FROM totp_credentials WHERE client_key = :tenant AND account_id = :accountId', { tenant, accountId });
      const params = storedTotpParameters({ algorithm: 'SHA1', digits: 6, period: seed.period });
      await statements.insert(
        `INSERT INTO totp_credentials (id, client_key, account_id, status, secret_sealed, algorithm, digits, period, last_used_step, created_at, confirmed_at)
         VALUES (:id, :tenant, :accountId, 'active', :sealed, :algorithm, :digits, :period, NULL, :at, :at)`,
        {
          id: credentialId,
          tenant,
          accountId,
          sealed: secretBox.seal(seed.secret.toString('base64'), totpSecretContext(tenant, accountId, credentialId)),
          algorithm: params.algorithm,
          digits: params.digits,
          period: params.period,
          at,
        },
      );
      return active ? 'replaced' : 'imported';
    },
    async markAssigned(tenant, id, at) {
      await statements.changed(
        "UPDATE hardware_tokens SET state = 'assigned', secret_sealed = NULL, assigned_at = :at WHERE client_key = :tenant AND id = :id",
        {
          tenant,
          id,
          at,
        },
      );
    },
    async remove(tenant, id) {
      await statements.changed('DELETE FROM hardware_tokens WHERE client_key = :tenant AND id = :id', { tenant, id });
    },
    audit: (tenant, entry) => auditLogIn(unit).record(tenant, entry),
  };
}
