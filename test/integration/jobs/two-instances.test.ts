import assert from 'node:assert/strict';
import { QueryTypes } from 'sequelize';
import { postgresLaneOrSkip, type TestDatabase } from '../../support/database-lanes';
import { Teardown } from '../../support/teardown';
import { ALICE_ADMIN, startTestApp, type TestApp } from '../../support/test-app';

const STAFF = 600;

/**
 * Two app instances on one Postgres database share one rollout: both claim items of the same job
 * (`FOR UPDATE SKIP LOCKED`), and no item is done twice or lost.
 */
describe('Two instances on Postgres share one job', function () {
  this.timeout(120_000);
  const teardown = new Teardown();
  let first: TestApp;
  let second: TestApp;
  let database: TestDatabase;

  before(async function () {
    const lane = postgresLaneOrSkip(this, 'two instances sharing a job need Postgres');
    database = await lane.create();
    teardown.add(() => database.drop());
    const env = { TWOFOLD_SANDBOX_STAFF: String(STAFF), TWOFOLD_JOB_POLL_MS: '50' };
    first = await startTestApp({ databaseUrl: database.url, env });
    teardown.add(() => first.close());
    second = await startTestApp({ databaseUrl: database.url, masterKey: first.twofold.config.masterKeys.current, env });
    teardown.add(() => second.close());
    await first.install();
  });
  after(() => teardown.run());

  it('both instances run items of the rollout; each member is done exactly once', async () => {
    const token = first.contextToken(ALICE_ADMIN.accountId);
    const started = await first.request('POST', '/api/v1/admin/rollouts', { token, body: { group: 'staff', idPattern: '%emailLocalPart%' } });
    assert.equal(started.status, 202, started.text);
    const jobId = started.json().jobId as string;
    let job: any;
    for (let attempt = 0; attempt < 1200; attempt += 1) {
      // Asked of the other instance: the job is in the shared database, not in one instance's memory.
      job = (await second.request('GET', `/api/v1/admin/jobs/${jobId}`, { token: first.contextToken(ALICE_ADMIN.accountId) })).json();
      if (!['queued', 'running'].includes(job.state)) break;
      await new Promise((done) => setTimeout(done, 50));
    }
    assert.equal(job.state, 'succeeded', JSON.stringify(job));
    assert.deepEqual([job.total, job.done, job.failed], [STAFF, STAFF, 0]);

    const { sequelize } = first.twofold.database;
    const byInstance = await sequelize.query<{ lease_owner: string; n: string }>(
      "SELECT lease_owner, COUNT(*) AS n FROM job_items WHERE job_id = :jobId AND state = 'done' GROUP BY lease_owner",
      { type: QueryTypes.SELECT, replacements: { jobId } },
    );
    const counts = new Map(byInstance.map((row) => [row.lease_owner, Number(row.n)]));
    const ids = [first.twofold.jobs.runner.instanceId, second.twofold.jobs.runner.instanceId];
    assert.deepEqual([...counts.keys()].sort(), [...ids].sort(), 'both instances did items of the job');
    assert.equal(
      [...counts.values()].reduce((a, b) => a + b, 0),
      STAFF,
    );
    const [audit] = await sequelize.query<{ n: string; subjects: string }>(
      `SELECT COUNT(*) AS n, COUNT(DISTINCT subject_account_id) AS subjects FROM audit_events WHERE action = 'user.id_assigned' AND detail LIKE :pattern`,
      { type: QueryTypes.SELECT, replacements: { pattern: `%${jobId}%` } },
    );
    assert.deepEqual([Number(audit!.n), Number(audit!.subjects)], [STAFF, STAFF], 'one ID and one audit entry per member');
    process.stdout.write(`      items per instance: ${[...counts.values()].join(' and ')}\n`);
  });
});
