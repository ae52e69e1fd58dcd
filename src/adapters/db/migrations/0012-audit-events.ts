import { DataTypes } from 'sequelize';
import type { Migration } from './migration';

/**
 * The audit log. The id is the order (newest first, and the cursor of a page): BIGSERIAL on Postgres,
 * SQLite's INTEGER PRIMARY KEY (its rowid) there. `detail` is a small JSON object, never a secret.
 */
export const auditEvents: Migration = {
  name: '0012-audit-events',
  async up(qi) {
    const postgres = qi.sequelize.getDialect() === 'postgres';
    await qi.createTable('audit_events', {
      id: { type: postgres ? DataTypes.BIGINT : DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
      client_key: { type: DataTypes.STRING(255), allowNull: false },
      at: { type: DataTypes.DATE, allowNull: false },
      actor_account_id: { type: DataTypes.STRING(128), allowNull: true },
      action: { type: DataTypes.STRING(64), allowNull: false },
      subject_account_id: { type: DataTypes.STRING(128), allowNull: true },
      detail: { type: DataTypes.TEXT, allowNull: false },
    });
    await qi.addIndex('audit_events', ['client_key', 'id'], { name: 'audit_events_tenant' });
    await qi.addIndex('audit_events', ['client_key', 'subject_account_id', 'id'], { name: 'audit_events_subject' });
  },
  async down(qi) {
    await qi.dropTable('audit_events');
  },
};
