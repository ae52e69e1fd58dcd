import type { Sequelize } from 'sequelize';
import type { VerificationStateReader } from '../../domain/mfa/ports';
import type { SecretBox } from '../../domain/ports/secret-box';
import { FAILURE_STATE_COLUMNS, failureStateFromRow, TENANT_ROW } from './failure-counter-repository';
import type { TotpCredentialRow } from './models/mfa-models';
import { Sql } from './sql';
import { credentialFromRow, TOTP_CREDENTIAL_COLUMNS } from './totp-credential-repository';

/** `u.failures AS u_failures, …`: a counter's state columns under an alias of their own. */
const counterColumns = (alias: string) => FAILURE_STATE_COLUMNS.map((column) => `${alias}.${column} AS ${alias}_${column}`).join(', ');

/**
 * The verification hot path's one SELECT: the active credential and the user's and the tenant's
 * failure counters, each LEFT JOINed to a one-row anchor so that the row exists whatever is missing.
 * Every join names the tenant. The column lists are the repositories' own.
 */
const SQL = `SELECT ${TOTP_CREDENTIAL_COLUMNS.map((column) => `c.${column}`).join(', ')},
       ${counterColumns('u')},
       ${counterColumns('t')}
  FROM (SELECT 1 AS anchor) AS one
  LEFT JOIN totp_credentials c ON c.client_key = :tenant AND c.account_id = :accountId AND c.status = 'active'
  LEFT JOIN failure_counters u ON u.client_key = :tenant AND u.account_id = :accountId
  LEFT JOIN failure_counters t ON t.client_key = :tenant AND t.account_id = :tenantRow`;

export class SequelizeVerificationStateReader implements VerificationStateReader {
  private readonly sql: Sql;

  constructor(
    sequelize: Sequelize,
    private readonly secretBox: SecretBox,
  ) {
    this.sql = Sql.for(sequelize);
  }

  async read(tenant: string, accountId: string) {
    const [row] = await this.sql.select<Partial<TotpCredentialRow>>(SQL, { tenant, accountId, tenantRow: TENANT_ROW });
    if (!row) throw new Error('the verification state query returned no row');
    return {
      credential: row.id ? credentialFromRow(row as TotpCredentialRow, this.secretBox) : null,
      user: failureStateFromRow(row, 'u_'),
      tenant: failureStateFromRow(row, 't_'),
    };
  }
}
