import { DataTypes } from 'sequelize';
import type { Migration } from './migration';

/**
 * The Jira Server/Data Center connector: one row a tenant, and its OAuth authorization attempts.
 * Every `*_sealed` column holds a SecretBox value (see sealed-columns.ts): the private key, the access
 * token and its secret, the Basic password or API token, a request token's secret. An attempt is found
 * by the SHA-256 of its one-time state, never by the state itself.
 */
export const jiraConnector: Migration = {
  name: '0100-jira-connector',
  async up(qi) {
    await qi.createTable('connectors', {
      client_key: { type: DataTypes.STRING(255), primaryKey: true },
      base_url: { type: DataTypes.STRING(1024), allowNull: true },
      auth_type: { type: DataTypes.STRING(16), allowNull: true },
      consumer_key: { type: DataTypes.STRING(255), allowNull: true },
      public_key_pem: { type: DataTypes.TEXT, allowNull: true },
      key_generated_at: { type: DataTypes.DATE, allowNull: true },
      private_key_sealed: { type: DataTypes.TEXT, allowNull: true },
      username: { type: DataTypes.STRING(255), allowNull: true },
      basic_secret_sealed: { type: DataTypes.TEXT, allowNull: true },
      access_token_sealed: { type: DataTypes.TEXT, allowNull: true },
      token_secret_sealed: { type: DataTypes.TEXT, allowNull: true },
      token_expires_at: { type: DataTypes.DATE, allowNull: true },
      authorized_at: { type: DataTypes.DATE, allowNull: true },
      authorized_by: { type: DataTypes.STRING(128), allowNull: true },
      /** JSON {code, message, at}: Jira refused the credentials. */
      credentials_rejected: { type: DataTypes.TEXT, allowNull: true },
      /** JSON {code, message, at}: the last use failed otherwise. */
      failure: { type: DataTypes.TEXT, allowNull: true },
      /** JSON {ok, at, code, message, user}. */
      last_test: { type: DataTypes.TEXT, allowNull: true },
      generation: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
      version: { type: DataTypes.INTEGER, allowNull: false },
      updated_at: { type: DataTypes.DATE, allowNull: true },
      updated_by: { type: DataTypes.STRING(128), allowNull: true },
    });
    await qi.createTable('connector_authorizations', {
      state_hash: { type: DataTypes.STRING(64), primaryKey: true },
      client_key: { type: DataTypes.STRING(255), allowNull: false },
      admin_account_id: { type: DataTypes.STRING(128), allowNull: false },
      mode: { type: DataTypes.STRING(16), allowNull: false },
      request_token: { type: DataTypes.STRING(255), allowNull: false },
      request_token_secret_sealed: { type: DataTypes.TEXT, allowNull: true },
      settings_fingerprint: { type: DataTypes.STRING(64), allowNull: false },
      created_at: { type: DataTypes.DATE, allowNull: false },
      expires_at: { type: DataTypes.DATE, allowNull: false },
      ended_at: { type: DataTypes.DATE, allowNull: true },
      outcome: { type: DataTypes.STRING(16), allowNull: true },
      outcome_code: { type: DataTypes.STRING(64), allowNull: true },
      outcome_message: { type: DataTypes.TEXT, allowNull: true },
    });
    await qi.addIndex('connector_authorizations', ['client_key', 'created_at'], { name: 'connector_authorizations_tenant' });
  },
  async down(qi) {
    await qi.dropTable('connector_authorizations');
    await qi.dropTable('connectors');
  },
};
