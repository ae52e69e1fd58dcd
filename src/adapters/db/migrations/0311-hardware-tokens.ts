import { DataTypes } from 'sequelize';
import type { Migration } from './migration';

/**
 * Hardware tokens imported from a seed file (src/domain/tokens): one row per token, its serial unique
 * per tenant regardless of case. `id` is also the id of the TOTP credential the token becomes, so that
 * an import item run twice (after a crash) finds its own credential instead of making a second.
 * `secret_sealed` holds the seed only while the token is `staged` (validated, not yet assigned); it is
 * cleared once the seed lives in the user's TOTP credential, sealed there.
 */
export const hardwareTokens: Migration = {
  name: '0311-hardware-tokens',
  async up(qi) {
    await qi.createTable('hardware_tokens', {
      id: { type: DataTypes.STRING(36), primaryKey: true },
      client_key: { type: DataTypes.STRING(255), allowNull: false },
      serial: { type: DataTypes.STRING(128), allowNull: false },
      serial_key: { type: DataTypes.STRING(128), allowNull: false },
      manufacturer: { type: DataTypes.STRING(128), allowNull: false },
      model: { type: DataTypes.STRING(128), allowNull: false },
      account_id: { type: DataTypes.STRING(128), allowNull: false },
      period: { type: DataTypes.INTEGER, allowNull: false },
      import_id: { type: DataTypes.STRING(36), allowNull: false },
      state: { type: DataTypes.STRING(16), allowNull: false },
      secret_sealed: { type: DataTypes.TEXT, allowNull: true },
      imported_at: { type: DataTypes.DATE, allowNull: false },
      assigned_at: { type: DataTypes.DATE, allowNull: true },
    });
    await qi.addIndex('hardware_tokens', ['client_key', 'serial_key'], { name: 'hardware_tokens_serial', unique: true });
    await qi.addIndex('hardware_tokens', ['import_id', 'id'], { name: 'hardware_tokens_import' });
  },
  async down(qi) {
    await qi.dropTable('hardware_tokens');
  },
};
