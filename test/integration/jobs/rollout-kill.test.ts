import assert from 'node:assert/strict';
import { Sequelize, QueryTypes } from 'sequelize';
import { ChildApp } from '../../support/child-app';

const STAFF = 3000;

/**
 * A rollout survives `kill -9`: the app runs as a child process (`src/server.ts`, as `npm start` runs it)
 * on a SQLite file, rolls out to 3,000 members of the sandbox's `staff` group, is killed with SIGKILL in the
 * middle, and is started again on the same database. The job resumes and ends with every member done
 * exactly once: one ID and one `user.id_assigned` audit entry each, no item lost or done twice.
 */
describe('Rollout after kill -9 (a child process on SQLite)', function () {
  this.timeout(300_000);
  let app: ChildApp;

  before(async () => {
    app = await ChildApp.create({ TWOFOLD_SANDBOX_STAFF: String(STAFF) });
  });
  after(() => app?.remove());

  it('resumes after SIGKILL with every item done exactly once', async () => {
    await app.start();
    await app.install();

    const started = await app.api('POST', '/api/v1/admin/rollouts', { group: 'staff', idPattern: '%emailLocalPart%' });
    assert.equal(started.status, 202, JSON.stringify(started.json));
    const jobId = started.json.jobId as string;
    let before: any;
    for (;;) {
      before = (await app.api('GET', `/api/v1/admin/jobs/${jobId}`)).json;
      if (before.done >= 200) break;
      assert.equal(before.state === 'succeeded', false, 'the rollout ended before it could be killed');
      await new Promise((done) => setTimeout(done, 20));
    }
    await app.stop('SIGKILL');

    await app.start();
    const resumed = (await app.api('GET', `/api/v1/admin/jobs/${jobId}`)).json;
    assert.equal(resumed.state, 'running', 'the job was cut off in the middle');
    assert.ok(resumed.done + resumed.failed < STAFF, `the job was cut off in the middle (${resumed.done} done)`);
    let job: any;
    for (let attempt = 0; attempt < 1200; attempt += 1) {
      job = (await app.api('GET', `/api/v1/admin/jobs/${jobId}`)).json;
      if (!['queued', 'running'].includes(job.state)) break;
      await new Promise((done) => setTimeout(done, 100));
    }
    assert.equal(job.state, 'succeeded', JSON.stringify(job));
    assert.deepEqual([job.total, job.done, job.failed], [STAFF, STAFF, 0]);
    await app.stop('SIGTERM');

    const sequelize = new Sequelize({ dialect: 'sqlite', storage: app.sqliteFile, logging: false });
    try {
      const [audit] = await sequelize.query<{ n: number; subjects: number }>(
        `SELECT COUNT(*) AS n, COUNT(DISTINCT subject_account_id) AS subjects FROM audit_events WHERE action = 'user.id_assigned' AND detail LIKE :pattern`,
        { type: QueryTypes.SELECT, replacements: { pattern: `%${jobId}%` } },
      );
      assert.deepEqual([Number(audit!.n), Number(audit!.subjects)], [STAFF, STAFF], 'one audit entry per member: none twice, none lost');
      const [ids] = await sequelize.query<{ n: number }>("SELECT COUNT(*) AS n FROM two_factor_ids WHERE two_factor_id LIKE 'staff%'", {
        type: QueryTypes.SELECT,
      });
      assert.equal(Number(ids!.n), STAFF);
      const [items] = await sequelize.query<{ n: number; retried: number }>(
        "SELECT COUNT(*) AS n, SUM(CASE WHEN attempts > 1 THEN 1 ELSE 0 END) AS retried FROM job_items WHERE job_id = :jobId AND state = 'done'",
        { type: QueryTypes.SELECT, replacements: { jobId } },
      );
      assert.equal(Number(items!.n), STAFF);
      process.stdout.write(
        `      killed at ${before.done}/${before.total} done; after the restart ${resumed.done} were done; ${Number(items!.retried)} items were claimed again\n`,
      );
    } finally {
      await sequelize.close();
    }
  });
});
