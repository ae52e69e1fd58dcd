import { DataTypes } from 'sequelize';
import type { Migration } from './migration';

/**
 * Each tenant's policy (one JSON document, versioned for compare-and-set) and the 2FA ID mappings:
 * (tenant, accountId) → twoFactorId, unique per tenant without regard to case (`id_key`).
 */
export const policiesAndIds: Migration = {
  name: '0011-policies-and-ids',
  async up(qi) {
    await qi.createTable('tenant_policies', {
      client_key: { type: DataTypes.STRING(255), primaryKey: true },
      document: { type: DataTypes.TEXT, allowNull: false },
      version: { type: DataTypes.INTEGER, allowNull: false },
      updated_at: { type: DataTypes.DATE, allowNull: false },
      updated_by: { type: DataTypes.STRING(128), allowNull: false },
    });

    await qi.createTable('two_factor_ids', {
      client_key: { type: DataTypes.STRING(255), primaryKey: true },
      account_id: { type: DataTypes.STRING(128), primaryKey: true },
      two_factor_id: { type: DataTypes.STRING(128), allowNull: false },
      id_key: { type: DataTypes.STRING(128), allowNull: false },
      source: { type: DataTypes.STRING(16), allowNull: false },
      created_at: { type: DataTypes.DATE, allowNull: false },
      updated_at: { type: DataTypes.DATE, allowNull: false },
    });
    await qi.addIndex('two_factor_ids', ['client_key', 'id_key'], { name: 'two_factor_ids_unique_id', unique: true });
  },
  async down(qi) {
    await qi.dropTable('two_factor_ids');
    await qi.dropTable('tenant_policies');
  },
};
