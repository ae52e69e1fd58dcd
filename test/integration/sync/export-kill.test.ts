import assert from 'node:assert/strict';
import { QueryTypes, Sequelize } from 'sequelize';
import { readSandboxState } from '../../../src/sandbox/sandbox-state';
import { ChildApp } from '../../support/child-app';

const STAFF = 1000;

/**
 * An export survives `kill -9`: the app runs as a child process (`src/server.ts`) on a SQLite file with the
 * sandbox's `staff` group of 1,000 users, rolls them out (so that each has a 2FA ID), exports the IDs to the
 * sandbox's user properties, is killed with SIGKILL in the middle of the export and started again on the same
 * database. The export resumes and ends with every item done once, every user's property written, and no
 * user's write audited twice.
 */
describe('Directory sync export after kill -9 (a child process on SQLite)', function () {
  this.timeout(360_000);
  let app: ChildApp;

  before(async () => {
    app = await ChildApp.create({ TWOFOLD_SANDBOX_STAFF: String(STAFF) });
  });
  after(() => app?.remove());

  it('resumes after SIGKILL: every item done once, every property written, no write audited twice', async () => {
    await app.start();
    await app.install();
    const rollout = await app.api('POST', '/api/v1/admin/rollouts', { group: 'staff', idPattern: '%emailLocalPart%' });
    assert.equal(rollout.status, 202, JSON.stringify(rollout.json));
    assert.equal((await app.finished(rollout.json.jobId)).state, 'succeeded');
    // The rollout starts a directory refresh; the export is killed on its own.
    for (let attempt = 0; attempt < 1200; attempt += 1) {
      const { jobs } = (await app.api('GET', '/api/v1/admin/jobs?limit=20')).json as { jobs: Array<{ state: string }> };
      if (jobs.every((job) => !['queued', 'running'].includes(job.state))) break;
      await new Promise((done) => setTimeout(done, 100));
    }

    const started = await app.api('POST', '/api/v1/admin/sync', { direction: 'export', target: 'host' });
    assert.equal(started.status, 202, JSON.stringify(started.json));
    const jobId = started.json.jobId as string;
    let before: any;
    for (;;) {
      before = (await app.api('GET', `/api/v1/admin/jobs/${jobId}`)).json;
      if (before.done >= 100) break;
      assert.notEqual(before.state, 'succeeded', 'the export ended before it could be killed');
      await new Promise((done) => setTimeout(done, 10));
    }
    await app.stop('SIGKILL');

    await app.start();
    const resumed = (await app.api('GET', `/api/v1/admin/jobs/${jobId}`)).json;
    assert.ok(resumed.done + resumed.failed < STAFF, `the export was cut off in the middle (${resumed.done} done)`);
    const job = await app.finished(jobId);
    assert.equal(job.state, 'succeeded', JSON.stringify(job));
    assert.deepEqual([job.total, job.done, job.failed], [STAFF, STAFF, 0]);
    await app.stop('SIGTERM');

    const sandbox = readSandboxState(app.sandboxStateFile)!;
    const written = Object.values(sandbox.userProperties)
      .map((properties) => properties['twofold-id'] as { twoFactorId: string; enrolled: boolean } | undefined)
      .filter((value) => value !== undefined);
    assert.equal(written.length, STAFF, 'every staff member has the property');
    assert.ok(written.every((value) => /^staff\d+$/.test(value.twoFactorId) && value.enrolled === false));

    const sequelize = new Sequelize({ dialect: 'sqlite', storage: app.sqliteFile, logging: false });
    try {
      const [audit] = await sequelize.query<{ n: number; subjects: number }>(
        `SELECT COUNT(*) AS n, COUNT(DISTINCT subject_account_id) AS subjects FROM audit_events WHERE action = 'sync.property_written' AND detail LIKE :pattern`,
        { type: QueryTypes.SELECT, replacements: { pattern: `%${jobId}%` } },
      );
      assert.equal(Number(audit!.n), Number(audit!.subjects), 'no write audited twice');
      const [items] = await sequelize.query<{ n: number; retried: number }>(
        "SELECT COUNT(*) AS n, SUM(CASE WHEN attempts > 1 THEN 1 ELSE 0 END) AS retried FROM job_items WHERE job_id = :jobId AND state = 'done'",
        { type: QueryTypes.SELECT, replacements: { jobId } },
      );
      assert.equal(Number(items!.n), STAFF);
      process.stdout.write(
        `      killed at ${before.done}/${before.total} done; after the restart ${resumed.done} were done; ${Number(items!.retried)} items claimed again; ${Number(audit!.n)} writes audited\n`,
      );
    } finally {
      await sequelize.close();
    }
  });
});
