import { DataTypes } from 'sequelize';
import type { Migration } from './migration';

/**
 * Write-back of 2FA IDs to Jira user properties (src/domain/idmap/write-back.ts): one row per user
 * whose ID or enrollment changed and is not yet pushed. Keyed by (tenant, account), so that ten
 * changes in a row push once; `queued_ms` (epoch milliseconds) tells a row re-queued meanwhile from the one an item pushed.
 */
export const syncWriteBack: Migration = {
  name: '0310-sync-write-back',
  async up(qi) {
    await qi.createTable('sync_write_back', {
      client_key: { type: DataTypes.STRING(255), allowNull: false, primaryKey: true },
      account_id: { type: DataTypes.STRING(128), allowNull: false, primaryKey: true },
      queued_ms: { type: DataTypes.BIGINT, allowNull: false },
    });
  },
  async down(qi) {
    await qi.dropTable('sync_write_back');
  },
};
