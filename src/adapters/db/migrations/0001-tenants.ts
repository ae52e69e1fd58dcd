import { DataTypes } from 'sequelize';
import type { Migration } from './migration';

/**
 * Tenants (Jira sites that installed the app) and ACE's other per-tenant settings.
 * The sharedSecret is only ever stored sealed (AES-256-GCM); client_info holds the rest of the
 * install payload, which is not secret.
 */
export const tenants: Migration = {
  name: '0001-tenants',
  async up(qi) {
    await qi.createTable('tenants', {
      client_key: { type: DataTypes.STRING(255), primaryKey: true },
      base_url: { type: DataTypes.STRING(512), allowNull: false },
      product_type: { type: DataTypes.STRING(32), allowNull: false },
      shared_secret_sealed: { type: DataTypes.TEXT, allowNull: false },
      client_info: { type: DataTypes.TEXT, allowNull: false },
      installed_at: { type: DataTypes.DATE, allowNull: false },
      updated_at: { type: DataTypes.DATE, allowNull: false },
      uninstalled_at: { type: DataTypes.DATE, allowNull: true },
    });
    await qi.addIndex('tenants', ['uninstalled_at'], { name: 'tenants_uninstalled_at' });
    await qi.createTable('tenant_settings', {
      client_key: { type: DataTypes.STRING(255), primaryKey: true },
      key: { type: DataTypes.STRING(255), primaryKey: true },
      value: { type: DataTypes.TEXT, allowNull: false },
    });
  },
  async down(qi) {
    await qi.dropTable('tenant_settings');
    await qi.dropTable('tenants');
  },
};
