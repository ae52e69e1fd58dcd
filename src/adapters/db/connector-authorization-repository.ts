import { Op, type ModelStatic, type Sequelize } from 'sequelize';
import type { AuthorizationMode, AuthorizationOutcome, AuthorizationOutcomeKind, PendingAuthorization } from '../../domain/connector/authorization-state';
import type { AuthorizationRepository } from '../../domain/connector/ports';
import type { SecretBox } from '../../domain/ports/secret-box';
import { connectorModels, type ConnectorAuthorizationRow } from './models/connector-models';
import { connectorRequestTokenSecretContext } from './sealed-columns';
import { Sql } from './sql';

const OUTCOMES: AuthorizationOutcomeKind[] = ['completed', 'denied', 'failed', 'expired', 'superseded'];

/** Takes an open, unexpired attempt and answers its sealed request-token secret, in one statement (SQLite 3.35+, Postgres). */
const CLAIM = `UPDATE connector_authorizations SET ended_at = :at
  WHERE state_hash = :stateHash AND ended_at IS NULL AND expires_at > :at
  RETURNING client_key, request_token_secret_sealed`;

/** Records an outcome once (never over another) and erases the request-token secret. */
const FINISH = `UPDATE connector_authorizations
  SET ended_at = COALESCE(ended_at, :at), outcome = :kind, outcome_code = :code, outcome_message = :message, request_token_secret_sealed = NULL
  WHERE state_hash = :stateHash AND outcome IS NULL`;

/**
 * OAuth authorization attempts in `connector_authorizations`, keyed by the SHA-256 of the one-time
 * state. Claiming is one conditional UPDATE, so that of two callbacks racing (a replay, or two app
 * instances), exactly one proceeds; it answers the request token's secret too, so that a callback reads
 * the row once. Ending is one conditional UPDATE as well, which erases the request token's secret.
 */
export class SequelizeAuthorizationRepository implements AuthorizationRepository {
  private readonly rows: ModelStatic<ConnectorAuthorizationRow>;
  private readonly sql: Sql;

  constructor(
    private readonly sequelize: Sequelize,
    private readonly secretBox: SecretBox,
  ) {
    this.rows = connectorModels(sequelize).authorizations;
    this.sql = Sql.for(sequelize);
  }

  async create(attempt: PendingAuthorization, requestTokenSecret: string): Promise<void> {
    await this.sequelize.transaction(async (transaction) => {
      await this.rows.update(
        { ended_at: attempt.createdAt, outcome: 'superseded', request_token_secret_sealed: null },
        { where: { client_key: attempt.tenant, ended_at: null }, transaction },
      );
      await this.rows.create(
        {
          state_hash: attempt.stateHash,
          client_key: attempt.tenant,
          admin_account_id: attempt.adminAccountId,
          mode: attempt.mode,
          request_token: attempt.requestToken,
          request_token_secret_sealed: this.secretBox.seal(requestTokenSecret, connectorRequestTokenSecretContext(attempt.tenant, attempt.stateHash)),
          settings_fingerprint: attempt.settingsFingerprint,
          created_at: attempt.createdAt,
          expires_at: attempt.expiresAt,
          ended_at: null,
          outcome: null,
          outcome_code: null,
          outcome_message: null,
        },
        { transaction },
      );
    });
  }

  async findByStateHash(stateHash: string): Promise<PendingAuthorization | null> {
    const row = await this.rows.findByPk(stateHash);
    return row === null ? null : toAttempt(row);
  }

  async findOpenOob(tenant: string, adminAccountId: string): Promise<PendingAuthorization | null> {
    const row = await this.rows.findOne({
      where: { client_key: tenant, admin_account_id: adminAccountId, mode: 'oob', ended_at: null },
      order: [['created_at', 'DESC']],
    });
    return row === null ? null : toAttempt(row);
  }

  async latest(tenant: string): Promise<PendingAuthorization | null> {
    const row = await this.rows.findOne({ where: { client_key: tenant }, order: [['created_at', 'DESC']] });
    return row === null ? null : toAttempt(row);
  }

  async claim(stateHash: string, at: Date): Promise<{ requestTokenSecret: string | null } | null> {
    const [row] = await this.sql.select<Pick<ConnectorAuthorizationRow, 'client_key' | 'request_token_secret_sealed'>>(CLAIM, { stateHash, at });
    if (row === undefined) return null;
    const sealed = row.request_token_secret_sealed;
    return { requestTokenSecret: sealed === null ? null : this.secretBox.open(sealed, connectorRequestTokenSecretContext(row.client_key, stateHash)) };
  }

  async finish(stateHash: string, outcome: AuthorizationOutcome, at: Date): Promise<boolean> {
    const changed = await this.sql.changed(FINISH, { stateHash, at, kind: outcome.kind, code: outcome.code, message: outcome.message });
    return changed === 1;
  }

  async purgeEndedBefore(tenant: string, cutoff: Date): Promise<void> {
    await this.rows.destroy({
      where: { client_key: tenant, [Op.or]: [{ ended_at: { [Op.lt]: cutoff } }, { ended_at: null, expires_at: { [Op.lt]: cutoff } }] },
    });
  }
}

function toAttempt(row: ConnectorAuthorizationRow): PendingAuthorization {
  const kind = OUTCOMES.find((outcome) => outcome === row.outcome);
  return {
    stateHash: row.state_hash,
    tenant: row.client_key,
    adminAccountId: row.admin_account_id,
    mode: (row.mode === 'oob' ? 'oob' : 'callback') satisfies AuthorizationMode,
    requestToken: row.request_token,
    settingsFingerprint: row.settings_fingerprint,
    createdAt: new Date(row.created_at),
    expiresAt: new Date(row.expires_at),
    endedAt: row.ended_at === null ? null : new Date(row.ended_at),
    outcome: kind === undefined ? null : { kind, code: row.outcome_code, message: row.outcome_message },
  };
}
