import { DataTypes } from 'sequelize';
import type { Migration } from './migration';

/**
 * Durable jobs (src/jobs/job-runner.ts): one row per job and one per item, so that a restart resumes
 * where the last commit left off.
 *
 * - `jobs.active_key` is `<tenant>/<kind>` while the job is queued or running and NULL afterwards: its
 *   unique index lets only one job of a kind per tenant be active, on every instance at once (NULLs
 *   never collide, on SQLite and Postgres alike).
 * - `lease_owner`/`lease_until` on a job are the claim of the instance that plans or finishes it; on an
 *   item, the claim of the instance running it. A claim not renewed before `lease_until` (the instance
 *   died) is taken over.
 * - `job_items` is keyed by (job, item key), so a page planned twice inserts nothing twice; `seq` keeps
 *   the planned order; `(job_id, state, not_before)` finds the next runnable items and counts progress.
 */
export const jobs: Migration = {
  name: '0300-jobs',
  async up(qi) {
    await qi.createTable('jobs', {
      id: { type: DataTypes.STRING(36), primaryKey: true },
      client_key: { type: DataTypes.STRING(255), allowNull: false },
      kind: { type: DataTypes.STRING(64), allowNull: false },
      state: { type: DataTypes.STRING(16), allowNull: false },
      active_key: { type: DataTypes.STRING(340), allowNull: true },
      params: { type: DataTypes.TEXT, allowNull: false },
      actor_account_id: { type: DataTypes.STRING(128), allowNull: true },
      plan_cursor: { type: DataTypes.TEXT, allowNull: true },
      planned: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
      lease_owner: { type: DataTypes.STRING(64), allowNull: true },
      lease_until: { type: DataTypes.DATE, allowNull: true },
      stop_code: { type: DataTypes.STRING(64), allowNull: true },
      stop_message: { type: DataTypes.TEXT, allowNull: true },
      created_at: { type: DataTypes.DATE, allowNull: false },
      started_at: { type: DataTypes.DATE, allowNull: true },
      finished_at: { type: DataTypes.DATE, allowNull: true },
    });
    await qi.addIndex('jobs', ['active_key'], { name: 'jobs_active_key', unique: true });
    await qi.addIndex('jobs', ['client_key', 'created_at'], { name: 'jobs_tenant_created' });
    await qi.addIndex('jobs', ['state', 'created_at'], { name: 'jobs_state_created' });

    await qi.createTable('job_items', {
      job_id: { type: DataTypes.STRING(36), allowNull: false, primaryKey: true },
      item_key: { type: DataTypes.STRING(255), allowNull: false, primaryKey: true },
      client_key: { type: DataTypes.STRING(255), allowNull: false },
      seq: { type: DataTypes.INTEGER, allowNull: false },
      payload: { type: DataTypes.TEXT, allowNull: false },
      state: { type: DataTypes.STRING(16), allowNull: false },
      attempts: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
      not_before: { type: DataTypes.DATE, allowNull: true },
      lease_owner: { type: DataTypes.STRING(64), allowNull: true },
      lease_until: { type: DataTypes.DATE, allowNull: true },
      code: { type: DataTypes.STRING(64), allowNull: true },
      message: { type: DataTypes.TEXT, allowNull: true },
      detail: { type: DataTypes.TEXT, allowNull: true },
      finished_at: { type: DataTypes.DATE, allowNull: true },
    });
    await qi.addIndex('job_items', ['job_id', 'state', 'seq'], { name: 'job_items_job_state_seq' });
    await qi.addIndex('job_items', ['client_key'], { name: 'job_items_tenant' });
  },
  async down(qi) {
    await qi.dropTable('job_items');
    await qi.dropTable('jobs');
  },
};
