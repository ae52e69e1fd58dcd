import { DataTypes } from 'sequelize';
import type { Migration } from './migration';

/**
 * The forward-auth gate (src/domain/gate): the gates an admin created for the tenant's Data Center, and
 * the approval requests of Basic-auth clients.
 *
 * `gates.key_hash` is the SHA-256 (hex) of the gate key, the primary key: `GET /gate/v1/check` finds the
 * gate by one index probe, and a revoked gate (`revoked_at` set) stops at once on every instance because
 * the row is what they ask (with a short cache that revocation also clears by notification). The key
 * itself is never stored.
 */
export const gates: Migration = {
  name: '0400-gates',
  async up(qi) {
    await qi.createTable('gates', {
      key_hash: { type: DataTypes.STRING(64), primaryKey: true },
      id: { type: DataTypes.STRING(36), allowNull: false, unique: true },
      client_key: { type: DataTypes.STRING(255), allowNull: false },
      name: { type: DataTypes.STRING(128), allowNull: false },
      created_at: { type: DataTypes.DATE, allowNull: false },
      created_by: { type: DataTypes.STRING(128), allowNull: true },
      last_used_at: { type: DataTypes.DATE, allowNull: true },
      revoked_at: { type: DataTypes.DATE, allowNull: true },
    });
    await qi.addIndex('gates', ['client_key', 'created_at'], { name: 'gates_tenant' });

    await qi.createTable('gate_approvals', {
      id: { type: DataTypes.STRING(36), primaryKey: true },
      client_key: { type: DataTypes.STRING(255), allowNull: false },
      account_id: { type: DataTypes.STRING(128), allowNull: false },
      username: { type: DataTypes.STRING(255), allowNull: false },
      client_address: { type: DataTypes.STRING(64), allowNull: false },
      user_agent: { type: DataTypes.STRING(512), allowNull: false },
      method: { type: DataTypes.STRING(16), allowNull: false },
      path: { type: DataTypes.STRING(1024), allowNull: false },
      state: { type: DataTypes.STRING(16), allowNull: false },
      created_at: { type: DataTypes.DATE, allowNull: false },
      decided_at: { type: DataTypes.DATE, allowNull: true },
    });
    // The check's question: the newest request of this user from this address.
    await qi.addIndex('gate_approvals', ['client_key', 'account_id', 'client_address', 'created_at'], { name: 'gate_approvals_client' });
  },
  async down(qi) {
    await qi.dropTable('gate_approvals');
    await qi.dropTable('gates');
  },
};
