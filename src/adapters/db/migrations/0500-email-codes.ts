import { DataTypes } from 'sequelize';
import type { Migration } from './migration';

/**
 * Email codes (src/domain/mfa/email-code.ts): one row per code sent, kept as a salted hash only, with
 * its expiry and use (the single-use guard is a conditional UPDATE on `used_at`). Rows older than the
 * send window (15 minutes) are deleted by the user's next send. `email_confirmations`: the address a
 * user confirmed with an emailed code during onboarding (policy `confirmEmailOnEnrollment`).
 */
export const emailCodes: Migration = {
  name: '0500-email-codes',
  async up(qi) {
    await qi.createTable('email_codes', {
      id: { type: DataTypes.STRING(32), primaryKey: true },
      client_key: { type: DataTypes.STRING(255), allowNull: false },
      account_id: { type: DataTypes.STRING(128), allowNull: false },
      purpose: { type: DataTypes.STRING(16), allowNull: false },
      code_hash: { type: DataTypes.STRING(128), allowNull: false },
      address: { type: DataTypes.STRING(320), allowNull: false },
      created_at: { type: DataTypes.DATE, allowNull: false },
      expires_at: { type: DataTypes.DATE, allowNull: false },
      used_at: { type: DataTypes.DATE, allowNull: true },
    });
    await qi.addIndex('email_codes', ['client_key', 'account_id', 'created_at'], { name: 'email_codes_user' });
    await qi.createTable('email_confirmations', {
      client_key: { type: DataTypes.STRING(255), primaryKey: true },
      account_id: { type: DataTypes.STRING(128), primaryKey: true },
      address: { type: DataTypes.STRING(320), allowNull: false },
      confirmed_at: { type: DataTypes.DATE, allowNull: false },
    });
  },
  async down(qi) {
    await qi.dropTable('email_confirmations');
    await qi.dropTable('email_codes');
  },
};
