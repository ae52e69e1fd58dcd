import { UniqueConstraintError, type ModelStatic, type Sequelize } from 'sequelize';
import type { ConnectorProblem, ConnectorSecrets, ConnectorState, ConnectorTestResult, SecretsPatch } from '../../domain/connector/connector-state';
import { AUTH_TYPES, type AuthType } from '../../domain/connector/connector-state';
import type { ConnectorRepository } from '../../domain/connector/ports';
import type { SecretBox } from '../../domain/ports/secret-box';
import { connectorModels, type ConnectorRow } from './models/connector-models';
import { CONNECTOR_SEALED_COLUMNS, connectorSecretContext } from './sealed-columns';

type SecretName = keyof ConnectorSecrets;
type SealedColumnName = (typeof CONNECTOR_SEALED_COLUMNS)[SecretName];

/**
 * The connector of each tenant in `connectors`, one row. Secrets are sealed with SecretBox under a
 * context naming the tenant and the column, so a sealed value copied to another tenant or column does
 * not open; they are unsealed only by {@link findWithSecrets}.
 */
export class SequelizeConnectorRepository implements ConnectorRepository {
  private readonly rows: ModelStatic<ConnectorRow>;

  constructor(
    sequelize: Sequelize,
    private readonly secretBox: SecretBox,
  ) {
    this.rows = connectorModels(sequelize).connectors;
  }

  async find(tenant: string): Promise<ConnectorState | null> {
    const row = await this.rows.findByPk(tenant);
    return row === null ? null : toState(row);
  }

  async findWithSecrets(tenant: string): Promise<{ state: ConnectorState; secrets: ConnectorSecrets } | null> {
    const row = await this.rows.findByPk(tenant);
    if (row === null) return null;
    const open = (name: SecretName): string | null => {
      const sealed = row[CONNECTOR_SEALED_COLUMNS[name]];
      return sealed === null ? null : this.secretBox.open(sealed, connectorSecretContext(tenant, CONNECTOR_SEALED_COLUMNS[name]));
    };
    return {
      state: toState(row),
      secrets: { privateKeyPem: open('privateKeyPem'), accessToken: open('accessToken'), tokenSecret: open('tokenSecret'), basicSecret: open('basicSecret') },
    };
  }

  async save(tenant: string, state: ConnectorState, secrets: SecretsPatch, expectedVersion: number): Promise<boolean> {
    const values: Partial<Record<keyof ConnectorRow, unknown>> = {
      base_url: state.baseUrl,
      auth_type: state.authType,
      consumer_key: state.consumerKey,
      public_key_pem: state.publicKeyPem,
      key_generated_at: state.keyGeneratedAt,
      username: state.username,
      token_expires_at: state.tokenExpiresAt,
      authorized_at: state.authorizedAt,
      authorized_by: state.authorizedBy,
      credentials_rejected: json(state.credentialsRejected),
      failure: json(state.failure),
      last_test: json(state.lastTest),
      generation: state.generation,
      version: expectedVersion + 1,
      updated_at: state.updatedAt,
      updated_by: state.updatedBy,
    };
    for (const [name, column] of Object.entries(CONNECTOR_SEALED_COLUMNS) as [SecretName, SealedColumnName][]) {
      const value = secrets[name];
      if (value === undefined) continue;
      values[column] = value === null ? null : this.secretBox.seal(value, connectorSecretContext(tenant, column));
    }
    if (expectedVersion === 0) {
      try {
        await this.rows.create({ client_key: tenant, ...values } as never);
        return true;
      } catch (error) {
        if (error instanceof UniqueConstraintError) return false;
        throw error;
      }
    }
    const [changed] = await this.rows.update(values as never, { where: { client_key: tenant, version: expectedVersion } });
    return changed === 1;
  }
}

function toState(row: ConnectorRow): ConnectorState {
  return {
    baseUrl: row.base_url,
    authType: AUTH_TYPES.includes(row.auth_type as AuthType) ? (row.auth_type as AuthType) : null,
    consumerKey: row.consumer_key,
    publicKeyPem: row.public_key_pem,
    keyGeneratedAt: date(row.key_generated_at),
    username: row.username,
    hasPrivateKey: row.private_key_sealed !== null,
    hasAccessToken: row.access_token_sealed !== null && row.token_secret_sealed !== null,
    hasBasicSecret: row.basic_secret_sealed !== null,
    tokenExpiresAt: date(row.token_expires_at),
    authorizedAt: date(row.authorized_at),
    authorizedBy: row.authorized_by,
    credentialsRejected: problem(row.credentials_rejected),
    failure: problem(row.failure),
    lastTest: lastTest(row.last_test),
    generation: Number(row.generation),
    version: Number(row.version),
    updatedAt: date(row.updated_at),
    updatedBy: row.updated_by,
  };
}

function json(value: ConnectorProblem | ConnectorTestResult | null): string | null {
  return value === null ? null : JSON.stringify(value);
}

function date(value: Date | string | null): Date | null {
  return value === null ? null : new Date(value);
}

function parse(text: string | null): Record<string, unknown> | null {
  if (text === null) return null;
  try {
    const value = JSON.parse(text) as unknown;
    return value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

function problem(text: string | null): ConnectorProblem | null {
  const value = parse(text);
  if (value === null || typeof value['code'] !== 'string' || typeof value['message'] !== 'string') return null;
  return { code: value['code'], message: value['message'], at: new Date(String(value['at'])) };
}

function lastTest(text: string | null): ConnectorTestResult | null {
  const value = parse(text);
  if (value === null || typeof value['ok'] !== 'boolean') return null;
  const user = value['user'] as { name?: unknown; displayName?: unknown } | null;
  return {
    ok: value['ok'],
    at: new Date(String(value['at'])),
    code: typeof value['code'] === 'string' ? value['code'] : null,
    message: typeof value['message'] === 'string' ? value['message'] : null,
    user:
      user !== null && typeof user === 'object' && typeof user.name === 'string'
        ? { name: user.name, displayName: typeof user.displayName === 'string' ? user.displayName : user.name }
        : null,
  };
}
