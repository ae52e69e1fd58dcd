import { DataTypes } from 'sequelize';
import type { Migration } from './migration';

/**
 * The directory mirror (src/domain/directory/directory-mirror.ts): the site's users and their groups in
 * Twofold's own tables, refreshed by the `directory_refresh` job, so that the users page filters, searches
 * and pages over tens of thousands of users with index range scans and asks the host nothing.
 *
 * - `directory_users`: one row per user of the tenant (`source` `host`: an Atlassian accountId; `connector`:
 *   `dc:` + the Data Center user key). `sort_name` (the lower-cased display name) with the accountId is the
 *   page order and the keyset cursor: index `directory_users_page`.
 * - `directory_user_groups`: one row per membership, with the member's `sort_name` copied in, so that a
 *   group's page is one range scan of `directory_user_groups_page` in page order.
 * - `seen_job`: the refresh that last saw the row; rows another refresh of the same source did not see are
 *   removed when it finishes (users deleted or removed from the group).
 * - `directory_mirrors`: when each source was last refreshed, and by which job.
 */
export const directoryMirror: Migration = {
  name: '0301-directory-mirror',
  async up(qi) {
    await qi.createTable('directory_users', {
      client_key: { type: DataTypes.STRING(255), primaryKey: true },
      account_id: { type: DataTypes.STRING(128), primaryKey: true },
      source: { type: DataTypes.STRING(16), allowNull: false },
      display_name: { type: DataTypes.STRING(255), allowNull: false },
      sort_name: { type: DataTypes.STRING(255), allowNull: false },
      email: { type: DataTypes.STRING(255), allowNull: true },
      username: { type: DataTypes.STRING(255), allowNull: true },
      active: { type: DataTypes.BOOLEAN, allowNull: false },
      group_names: { type: DataTypes.TEXT, allowNull: false },
      seen_job: { type: DataTypes.STRING(36), allowNull: false },
      updated_at: { type: DataTypes.DATE, allowNull: false },
    });
    await qi.addIndex('directory_users', ['client_key', 'sort_name', 'account_id'], { name: 'directory_users_page' });
    await qi.addIndex('directory_users', ['client_key', 'source', 'seen_job'], { name: 'directory_users_seen' });

    await qi.createTable('directory_user_groups', {
      client_key: { type: DataTypes.STRING(255), primaryKey: true },
      group_name: { type: DataTypes.STRING(255), primaryKey: true },
      account_id: { type: DataTypes.STRING(128), primaryKey: true },
      source: { type: DataTypes.STRING(16), allowNull: false },
      sort_name: { type: DataTypes.STRING(255), allowNull: false },
      seen_job: { type: DataTypes.STRING(36), allowNull: false },
    });
    await qi.addIndex('directory_user_groups', ['client_key', 'group_name', 'sort_name', 'account_id'], { name: 'directory_user_groups_page' });
    await qi.addIndex('directory_user_groups', ['client_key', 'account_id'], { name: 'directory_user_groups_user' });

    await qi.createTable('directory_mirrors', {
      client_key: { type: DataTypes.STRING(255), primaryKey: true },
      source: { type: DataTypes.STRING(16), primaryKey: true },
      refreshed_at: { type: DataTypes.DATE, allowNull: false },
      job_id: { type: DataTypes.STRING(36), allowNull: false },
      user_count: { type: DataTypes.INTEGER, allowNull: false },
    });
  },
  async down(qi) {
    await qi.dropTable('directory_mirrors');
    await qi.dropTable('directory_user_groups');
    await qi.dropTable('directory_users');
  },
};
