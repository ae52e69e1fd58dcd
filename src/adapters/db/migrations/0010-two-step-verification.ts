import { DataTypes } from 'sequelize';
import type { Migration } from './migration';

/**
 * The user's second factor: TOTP credentials (secret sealed with SecretBox), backup codes (scrypt
 * hashes only), failure counters for lockout, and 2FA sessions. Every row names its tenant; every
 * query filters on it.
 *
 * Times the counters compare are epoch milliseconds (BIGINT), so that the atomic increment in SQL
 * compares numbers on both SQLite and Postgres; other times are DATEs.
 */
export const twoStepVerification: Migration = {
  name: '0010-two-step-verification',
  async up(qi) {
    await qi.createTable('totp_credentials', {
      id: { type: DataTypes.STRING(36), primaryKey: true },
      client_key: { type: DataTypes.STRING(255), allowNull: false },
      account_id: { type: DataTypes.STRING(128), allowNull: false },
      status: { type: DataTypes.STRING(16), allowNull: false },
      secret_sealed: { type: DataTypes.TEXT, allowNull: false },
      algorithm: { type: DataTypes.STRING(8), allowNull: false },
      digits: { type: DataTypes.INTEGER, allowNull: false },
      period: { type: DataTypes.INTEGER, allowNull: false },
      last_used_step: { type: DataTypes.INTEGER, allowNull: true },
      created_at: { type: DataTypes.DATE, allowNull: false },
      confirmed_at: { type: DataTypes.DATE, allowNull: true },
    });
    // At most one pending and one active credential per user; the replay guard's UPDATE finds it by id.
    await qi.addIndex('totp_credentials', ['client_key', 'account_id', 'status'], { name: 'totp_credentials_user_status', unique: true });

    await qi.createTable('backup_codes', {
      id: { type: DataTypes.STRING(36), primaryKey: true },
      client_key: { type: DataTypes.STRING(255), allowNull: false },
      account_id: { type: DataTypes.STRING(128), allowNull: false },
      hash: { type: DataTypes.STRING(160), allowNull: false },
      used_at: { type: DataTypes.DATE, allowNull: true },
      created_at: { type: DataTypes.DATE, allowNull: false },
    });
    await qi.addIndex('backup_codes', ['client_key', 'account_id'], { name: 'backup_codes_user' });

    // account_id '' is the tenant-wide counter.
    await qi.createTable('failure_counters', {
      client_key: { type: DataTypes.STRING(255), primaryKey: true },
      account_id: { type: DataTypes.STRING(128), primaryKey: true },
      failures: { type: DataTypes.INTEGER, allowNull: false },
      window_started_ms: { type: DataTypes.BIGINT, allowNull: true },
      locked_until_ms: { type: DataTypes.BIGINT, allowNull: true },
      version: { type: DataTypes.INTEGER, allowNull: false },
    });

    await qi.createTable('verification_sessions', {
      client_key: { type: DataTypes.STRING(255), primaryKey: true },
      account_id: { type: DataTypes.STRING(128), primaryKey: true },
      verified_at: { type: DataTypes.DATE, allowNull: false },
      verified_until: { type: DataTypes.DATE, allowNull: false },
    });
  },
  async down(qi) {
    await qi.dropTable('verification_sessions');
    await qi.dropTable('failure_counters');
    await qi.dropTable('backup_codes');
    await qi.dropTable('totp_credentials');
  },
};
