import { DataTypes, type InferAttributes, type InferCreationAttributes, type Model, type ModelStatic, type Sequelize } from 'sequelize';

export interface ConnectorRow extends Model<InferAttributes<ConnectorRow>, InferCreationAttributes<ConnectorRow>> {
  client_key: string;
  base_url: string | null;
  auth_type: string | null;
  consumer_key: string | null;
  public_key_pem: string | null;
  key_generated_at: Date | null;
  private_key_sealed: string | null;
  username: string | null;
  basic_secret_sealed: string | null;
  access_token_sealed: string | null;
  token_secret_sealed: string | null;
  token_expires_at: Date | null;
  authorized_at: Date | null;
  authorized_by: string | null;
  credentials_rejected: string | null;
  failure: string | null;
  last_test: string | null;
  generation: number;
  version: number;
  updated_at: Date | null;
  updated_by: string | null;
}

export interface ConnectorAuthorizationRow extends Model<InferAttributes<ConnectorAuthorizationRow>, InferCreationAttributes<ConnectorAuthorizationRow>> {
  state_hash: string;
  client_key: string;
  admin_account_id: string;
  mode: string;
  request_token: string;
  request_token_secret_sealed: string | null;
  settings_fingerprint: string;
  created_at: Date;
  expires_at: Date;
  ended_at: Date | null;
  outcome: string | null;
  outcome_code: string | null;
  outcome_message: string | null;
}

export interface ConnectorModels {
  connectors: ModelStatic<ConnectorRow>;
  authorizations: ModelStatic<ConnectorAuthorizationRow>;
}

const byInstance = new WeakMap<Sequelize, ConnectorModels>();

/** The connector's models, defined once per Sequelize instance (see tenant-model.ts for why not `Model.init`). */
export function connectorModels(sequelize: Sequelize): ConnectorModels {
  const known = byInstance.get(sequelize);
  if (known) return known;
  const options = { timestamps: false } as const;
  // Fresh objects each time: Sequelize writes into attribute definitions (their `field`), so they cannot be shared.
  const text = () => ({ type: DataTypes.TEXT, allowNull: true });
  const date = () => ({ type: DataTypes.DATE, allowNull: true });
  const connectors = sequelize.define<ConnectorRow>(
    'Connector',
    {
      client_key: { type: DataTypes.STRING(255), primaryKey: true },
      base_url: { type: DataTypes.STRING(1024), allowNull: true },
      auth_type: { type: DataTypes.STRING(16), allowNull: true },
      consumer_key: { type: DataTypes.STRING(255), allowNull: true },
      public_key_pem: text(),
      key_generated_at: date(),
      private_key_sealed: text(),
      username: { type: DataTypes.STRING(255), allowNull: true },
      basic_secret_sealed: text(),
      access_token_sealed: text(),
      token_secret_sealed: text(),
      token_expires_at: date(),
      authorized_at: date(),
      authorized_by: { type: DataTypes.STRING(128), allowNull: true },
      credentials_rejected: text(),
      failure: text(),
      last_test: text(),
      generation: { type: DataTypes.INTEGER, allowNull: false },
      version: { type: DataTypes.INTEGER, allowNull: false },
      updated_at: date(),
      updated_by: { type: DataTypes.STRING(128), allowNull: true },
    },
    { ...options, tableName: 'connectors' },
  );
  const authorizations = sequelize.define<ConnectorAuthorizationRow>(
    'ConnectorAuthorization',
    {
      state_hash: { type: DataTypes.STRING(64), primaryKey: true },
      client_key: { type: DataTypes.STRING(255), allowNull: false },
      admin_account_id: { type: DataTypes.STRING(128), allowNull: false },
      mode: { type: DataTypes.STRING(16), allowNull: false },
      request_token: { type: DataTypes.STRING(255), allowNull: false },
      request_token_secret_sealed: text(),
      settings_fingerprint: { type: DataTypes.STRING(64), allowNull: false },
      created_at: { type: DataTypes.DATE, allowNull: false },
      expires_at: { type: DataTypes.DATE, allowNull: false },
      ended_at: date(),
      outcome: { type: DataTypes.STRING(16), allowNull: true },
      outcome_code: { type: DataTypes.STRING(64), allowNull: true },
      outcome_message: text(),
    },
    { ...options, tableName: 'connector_authorizations' },
  );
  const models = { connectors, authorizations };
  byInstance.set(sequelize, models);
  return models;
}
