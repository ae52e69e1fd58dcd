import { randomUUID } from 'node:crypto';
import { Op, type ModelStatic, type Sequelize } from 'sequelize';
import { storedTotpParameters } from '../../domain/mfa/otp-parameters';
import type {
  Activation,
  EnrollmentState,
  NewTotpCredential,
  TotpCredential,
  TotpCredentialRepository,
  TotpCredentialStatus,
  VerificationSuccess,
} from '../../domain/mfa/ports';
import type { SecretBox } from '../../domain/ports/secret-box';
import type { ImportCredentialResult, TokenCredentialWriter } from '../../domain/tokens/hardware-tokens';
import { auditRow, recordAuditAfter, recordAuditStatement } from './audit-log-repository';
import { backupCodeSetIn } from './backup-code-repository';
import { browserSessionAfterParams, startBrowserSessionAfter, startBrowserSessionStatements } from './browser-session-repository';
import { resetUserAfter, resetUserStatement } from './failure-counter-repository';
import { saveSessionAfter, saveSessionStatement, sessionAfterParams } from './verification-session-repository';
import { mfaModels, toDate, type TotpCredentialRow } from './models/mfa-models';
import { totpSecretContext } from './sealed-columns';
import { Sql } from './sql';
import { inUserTransaction } from './user-transaction';

/** Every column of a credential row, in the order the domain reads them (also verification-state-reader.ts). */
export const TOTP_CREDENTIAL_COLUMNS = [
  'id',
  'client_key',
  'account_id',
  'status',
  'secret_sealed',
  'algorithm',
  'digits',
  'period',
  'last_used_step',
  'created_at',
  'confirmed_at',
] as const;
const COLUMNS = TOTP_CREDENTIAL_COLUMNS.join(', ');

/** The replay guard: the step is taken only if it is later than the last one taken (ports.ts `acceptStep`). */
const ACCEPT_STEP_SQL = `UPDATE totp_credentials SET last_used_step = :step
       WHERE id = :id AND client_key = :tenant AND account_id = :accountId AND status = 'active'
         AND (last_used_step IS NULL OR last_used_step < :step)`;

type StateRow = Pick<TotpCredentialRow, 'status' | 'algorithm' | 'digits' | 'period' | 'confirmed_at'>;

/** Thrown inside a transaction to roll it back when its conditional step changed nothing. */
class NothingChanged extends Error {}

/**
 * TOTP credentials with the seed sealed by SecretBox (context: tenant, user and credential id). Every
 * statement filters on the tenant and the user. The replay guard and the activation are single
 * conditional UPDATEs whose affected-row count is the answer.
 */
export class SequelizeTotpCredentialRepository implements TotpCredentialRepository, TokenCredentialWriter {
  private readonly rows: ModelStatic<TotpCredentialRow>;
  private readonly sql: Sql;

  private readonly postgres: boolean;

  constructor(
    private readonly sequelize: Sequelize,
    private readonly secretBox: SecretBox,
    private readonly newId: () => string = randomUUID,
  ) {
    this.rows = mfaModels(sequelize).totpCredentials;
    this.sql = Sql.for(sequelize);
    this.postgres = sequelize.getDialect() === 'postgres';
  }

  /**
   * One statement (GET /api/v1/me runs it on every page view): the user's credentials LEFT JOINed to
   * a one-row anchor, so that a user with none still gets the row that carries the backup-code count.
   */
  async enrollmentState(tenant: string, accountId: string): Promise<EnrollmentState> {
    // No secret_sealed: nothing is unsealed for a yes/no or a status page.
    const rows = await this.sql.select<Partial<StateRow> & { unused_backup_codes: number | string }>(
      `SELECT c.status, c.algorithm, c.digits, c.period, c.confirmed_at,
              (SELECT COUNT(*) FROM backup_codes b WHERE b.client_key = :tenant AND b.account_id = :accountId AND b.used_at IS NULL) AS unused_backup_codes
         FROM (SELECT 1 AS anchor) AS one
         LEFT JOIN totp_credentials c ON c.client_key = :tenant AND c.account_id = :accountId`,
      { tenant, accountId },
    );
    const active = rows.find((row) => row.status === 'active') as StateRow | undefined;
    return {
      active: active
        ? {
            params: storedTotpParameters({ algorithm: active.algorithm, digits: Number(active.digits), period: Number(active.period) }),
            confirmedAt: toDate(active.confirmed_at),
          }
        : null,
      pending: rows.some((row) => row.status === 'pending'),
      unusedBackupCodes: Number(rows[0]?.unused_backup_codes ?? 0),
    };
  }

  async findPending(tenant: string, accountId: string): Promise<TotpCredential | null> {
    const [row] = await this.sql.select<TotpCredentialRow>(
      `SELECT ${COLUMNS} FROM totp_credentials WHERE client_key = :tenant AND account_id = :accountId AND status = 'pending'`,
      { tenant, accountId },
    );
    return row ? credentialFromRow(row, this.secretBox) : null;
  }

  async createPending(tenant: string, accountId: string, credential: NewTotpCredential): Promise<TotpCredential> {
    const params = storedTotpParameters(credential.params);
    const id = this.newId();
    const secret = Buffer.from(credential.secret);
    const row = {
      id,
      client_key: tenant,
      account_id: accountId,
      status: 'pending',
      secret_sealed: this.secretBox.seal(secret.toString('base64'), totpSecretContext(tenant, accountId, id)),
      algorithm: params.algorithm,
      digits: params.digits,
      period: params.period,
      last_used_step: null,
      created_at: credential.createdAt,
      confirmed_at: null,
    };
    // Serialized per user: two overlapping set-ups would otherwise both insert, and the second hit the
    // unique index on the pending credential. This way the later one replaces the earlier.
    await inUserTransaction(this.sequelize, tenant, accountId, async ({ transaction }) => {
      await this.rows.destroy({ where: { client_key: tenant, account_id: accountId, status: 'pending' }, transaction });
      await this.rows.create(row, { transaction });
    });
    return { id, tenant, accountId, status: 'pending', secret, params, lastUsedStep: null, createdAt: credential.createdAt, confirmedAt: null };
  }

  /**
   * A hardware token's seed as the user's active credential at once (TokenCredentialWriter): in one
   * per-user transaction, the credential with `credentialId` (the token's id) is looked for first (a
   * rerun after a crash finds it), then an active one is kept (`already_enrolled`) or, with `replace`,
   * deleted with any pending set-up, and the token's credential inserted as active. Backup codes stay.
   */
  async importActive(
    tenant: string,
    accountId: string,
    credentialId: string,
    seed: { secret: Buffer; period: 30 | 60 },
    at: Date,
    replace: boolean,
  ): Promise<ImportCredentialResult> {
    const params = storedTotpParameters({ algorithm: 'SHA1', digits: 6, period: seed.period });
    return inUserTransaction(this.sequelize, tenant, accountId, async ({ transaction }) => {
      if ((await this.rows.count({ where: { id: credentialId, client_key: tenant, account_id: accountId }, transaction })) > 0) return 'already_done';
      const active = await this.rows.count({ where: { client_key: tenant, account_id: accountId, status: 'active' }, transaction });
      if (active > 0 && !replace) return 'already_enrolled';
      await this.rows.destroy({ where: { client_key: tenant, account_id: accountId }, transaction });
      await this.rows.create(
        {
          id: credentialId,
          client_key: tenant,
          account_id: accountId,
          status: 'active',
          secret_sealed: this.secretBox.seal(seed.secret.toString('base64'), totpSecretContext(tenant, accountId, credentialId)),
          algorithm: params.algorithm,
          digits: params.digits,
          period: params.period,
          last_used_step: null,
          created_at: at,
          confirmed_at: at,
        },
        { transaction },
      );
      return active > 0 ? 'replaced' : 'imported';
    });
  }

  async activate(tenant: string, accountId: string, credentialId: string, step: number, at: Date, backupCodeHashes: readonly string[]): Promise<Activation> {
    try {
      return await inUserTransaction(this.sequelize, tenant, accountId, async (unit) => {
        const { transaction } = unit;
        const replaced = await this.rows.destroy({ where: { client_key: tenant, account_id: accountId, status: 'active' }, transaction });
        const [changed] = await this.rows.update(
          { status: 'active', last_used_step: step, confirmed_at: at },
          { where: { id: credentialId, client_key: tenant, account_id: accountId, status: 'pending' }, transaction },
        );
        if (changed !== 1) throw new NothingChanged();
        // In the same transaction: the old codes go with the old credential, or neither goes.
        await backupCodeSetIn(unit, this.newId).replace({ tenant, accountId }, backupCodeHashes, at);
        return { activated: true, replaced: replaced > 0 } as const;
      });
    } catch (error) {
      if (error instanceof NothingChanged) return { activated: false };
      throw error;
    }
  }

  async acceptStep(tenant: string, accountId: string, credentialId: string, step: number, success?: VerificationSuccess): Promise<boolean> {
    const params = { step, id: credentialId, tenant, accountId };
    if (!success) return (await this.sql.changed(ACCEPT_STEP_SQL, params)) === 1;
    // The conditional UPDATE decides between racers (on every instance: it waits for a racer's row
    // lock on Postgres); what the acceptance earns commits with it, or nothing does.
    if (this.postgres) return this.acceptStepInOneStatement(params, success);
    // SQLite: one statement too (a trigger runs the parts; Sql.changedThen), one call to the driver instead of eight.
    return this.sql.changedThen({ sql: ACCEPT_STEP_SQL, params }, [
      resetUserStatement(tenant, accountId),
      ...(success.session ? [saveSessionStatement(tenant, accountId, success.session)] : []),
      ...(success.browserSession ? startBrowserSessionStatements(tenant, accountId, success.browserSession) : []),
      recordAuditStatement(tenant, success.audit),
    ]);
  }

  /**
   * Postgres: the same unit as one statement, one round trip instead of eight: the guard's UPDATE
   * in a CTE, each other table's part (its repository's SQL) a data-modifying CTE that writes only if
   * the guard answered a row. A statement is atomic by itself.
   */
  private async acceptStepInOneStatement(
    params: { step: number; id: string; tenant: string; accountId: string },
    success: VerificationSuccess,
  ): Promise<boolean> {
    const browser = success.browserSession ? startBrowserSessionAfter('accepted') : null;
    const parts = [
      `accepted AS (${ACCEPT_STEP_SQL} RETURNING id)`,
      `reset AS (${resetUserAfter('accepted')})`,
      ...(success.session ? [`session AS (${saveSessionAfter('accepted')})`] : []),
      ...(browser ? [`sweep AS (${browser.sweep})`, `browser AS (${browser.insert})`] : []),
      `audit AS (${recordAuditAfter('accepted')})`,
    ];
    const [row] = await this.sql.select<{ accepted: number | string }>(`WITH ${parts.join(',\n')}\nSELECT COUNT(*) AS accepted FROM accepted`, {
      ...params,
      ...auditRow(params.tenant, success.audit),
      ...(success.session ? sessionAfterParams(success.session) : {}),
      ...(success.browserSession ? browserSessionAfterParams(success.browserSession) : {}),
    });
    return Number(row?.accepted) === 1;
  }

  removeSecondFactor(tenant: string, accountId: string): Promise<{ totpCredentials: number; backupCodesRemoved: number }> {
    const { sessions } = mfaModels(this.sequelize);
    const where = { client_key: tenant, account_id: accountId };
    return inUserTransaction(this.sequelize, tenant, accountId, async (unit) => {
      const { transaction } = unit;
      const totpCredentials = await this.rows.destroy({ where, transaction });
      const backupCodesRemoved = await backupCodeSetIn(unit).replace({ tenant, accountId }, [], new Date(0));
      await sessions.destroy({ where, transaction });
      return { totpCredentials, backupCodesRemoved };
    });
  }

  removePending(tenant: string, accountId: string): Promise<number> {
    return this.rows.destroy({ where: { client_key: tenant, account_id: accountId, status: 'pending' } });
  }

  async activeAccounts(tenant: string, accountIds: readonly string[]): Promise<Set<string>> {
    if (accountIds.length === 0) return new Set();
    const rows = await this.rows.findAll({
      attributes: ['account_id'],
      where: { client_key: tenant, account_id: { [Op.in]: [...accountIds] }, status: 'active' },
      raw: true,
    });
    return new Set(rows.map((row) => row.account_id));
  }
}

/** A row as the domain sees it: the seed unsealed (context: tenant, user, credential id). */
export function credentialFromRow(row: Pick<TotpCredentialRow, (typeof TOTP_CREDENTIAL_COLUMNS)[number]>, secretBox: SecretBox): TotpCredential {
  const secret = Buffer.from(secretBox.open(row.secret_sealed, totpSecretContext(row.client_key, row.account_id, row.id)), 'base64');
  return {
    id: row.id,
    tenant: row.client_key,
    accountId: row.account_id,
    status: row.status as TotpCredentialStatus,
    secret,
    params: storedTotpParameters({ algorithm: row.algorithm, digits: Number(row.digits), period: Number(row.period) }),
    lastUsedStep: row.last_used_step === null ? null : Number(row.last_used_step),
    createdAt: toDate(row.created_at) as Date,
    confirmedAt: toDate(row.confirmed_at),
  };
}
