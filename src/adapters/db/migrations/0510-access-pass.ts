import { DataTypes } from 'sequelize';
import type { Migration } from './migration';

/**
 * The access pass (src/domain/approvals): pairings started on the Two-step verification page, the
 * phones paired with them, and the challenges a phone answers. Every credential is kept as its SHA-256
 * only (hex, 64 characters); a device's public key is public and kept as its JWK; a Web Push
 * subscription is sealed (sealed-columns.ts).
 */
export const accessPass: Migration = {
  name: '0510-access-pass',
  async up(qi) {
    await qi.createTable('device_pairings', {
      token_hash: { type: DataTypes.STRING(64), primaryKey: true },
      client_key: { type: DataTypes.STRING(255), allowNull: false },
      account_id: { type: DataTypes.STRING(128), allowNull: false },
      created_at: { type: DataTypes.DATE, allowNull: false },
      expires_at: { type: DataTypes.DATE, allowNull: false },
      used_at: { type: DataTypes.DATE, allowNull: true },
    });
    await qi.createTable('paired_devices', {
      id: { type: DataTypes.STRING(32), primaryKey: true },
      client_key: { type: DataTypes.STRING(255), allowNull: false },
      account_id: { type: DataTypes.STRING(128), allowNull: false },
      name: { type: DataTypes.STRING(64), allowNull: false },
      public_key_jwk: { type: DataTypes.TEXT, allowNull: false },
      token_hash: { type: DataTypes.STRING(64), allowNull: false, unique: true },
      paired_at: { type: DataTypes.DATE, allowNull: false },
      last_used_at: { type: DataTypes.DATE, allowNull: true },
      push_subscription_sealed: { type: DataTypes.TEXT, allowNull: true },
    });
    await qi.addIndex('paired_devices', ['client_key', 'account_id'], { name: 'paired_devices_user' });
    await qi.createTable('access_pass_challenges', {
      id: { type: DataTypes.STRING(32), primaryKey: true },
      client_key: { type: DataTypes.STRING(255), allowNull: false },
      account_id: { type: DataTypes.STRING(128), allowNull: false },
      symbol_id: { type: DataTypes.STRING(32), allowNull: false },
      /** The symbol ids the phone offers, comma-separated, in display order. */
      choices: { type: DataTypes.STRING(255), allowNull: false },
      nonce: { type: DataTypes.STRING(64), allowNull: false },
      /** pending, approved or denied; an expired challenge is a pending one past expires_at. */
      state: { type: DataTypes.STRING(16), allowNull: false },
      user_label: { type: DataTypes.STRING(255), allowNull: false },
      site: { type: DataTypes.STRING(255), allowNull: false },
      ip: { type: DataTypes.STRING(64), allowNull: false },
      created_at: { type: DataTypes.DATE, allowNull: false },
      expires_at: { type: DataTypes.DATE, allowNull: false },
      answered_at: { type: DataTypes.DATE, allowNull: true },
      device_id: { type: DataTypes.STRING(32), allowNull: true },
      claimed_at: { type: DataTypes.DATE, allowNull: true },
    });
    // The phone's poll: the user's pending challenges.
    await qi.addIndex('access_pass_challenges', ['client_key', 'account_id', 'state'], { name: 'access_pass_challenges_user' });
  },
  async down(qi) {
    await qi.dropTable('access_pass_challenges');
    await qi.dropTable('paired_devices');
    await qi.dropTable('device_pairings');
  },
};
