import { DataTypes } from 'sequelize';
import type { Migration } from './migration';

/**
 * 2FA sessions bound to the browser that earned them (src/domain/mfa/browser-session.ts): one row per
 * verification, found by the SHA-256 of the session credential the page presents (hex, the primary
 * key, so the lookup is one index probe). The credential itself is never stored. `verification_sessions`
 * stays as the account's last verification, a display only.
 */
export const browserSessions: Migration = {
  name: '0110-browser-sessions',
  async up(qi) {
    await qi.createTable('browser_sessions', {
      token_hash: { type: DataTypes.STRING(64), primaryKey: true },
      client_key: { type: DataTypes.STRING(255), allowNull: false },
      account_id: { type: DataTypes.STRING(128), allowNull: false },
      verified_at: { type: DataTypes.DATE, allowNull: false },
      verified_until: { type: DataTypes.DATE, allowNull: false },
    });
    // Ending all of a user's sessions (reset, removal) and clearing their expired ones.
    await qi.addIndex('browser_sessions', ['client_key', 'account_id', 'verified_until'], { name: 'browser_sessions_user' });
  },
  async down(qi) {
    await qi.dropTable('browser_sessions');
  },
};
