import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { databaseLanes, printLaneNotice, type TestDatabase } from '../../support/database-lanes';
import { ALICE_ADMIN, BOB_MEMBER, startTestApp, type TestApp } from '../../support/test-app';

const STAFF = 400;

/** The jobs API over HTTP: one job of a kind at a time (409 job_running), the list, cancel, and who may ask. */
for (const lane of databaseLanes()) {
  describe(`Jobs API (${lane.name})`, function () {
    this.timeout(60_000);
    let database: TestDatabase;
    let app: TestApp;
    const call = (method: string, path: string, body?: unknown, accountId = ALICE_ADMIN.accountId) =>
      app.request(method, path, { token: app.contextToken(accountId), ...(body === undefined ? {} : { body }) });

    before(async () => {
      printLaneNotice();
      database = await lane.create();
      app = await startTestApp({ databaseUrl: database.url, env: { TWOFOLD_SANDBOX_STAFF: String(STAFF), TWOFOLD_JOB_POLL_MS: '50' } });
      await app.install();
    });
    after(async () => {
      await app?.close();
      await database?.drop();
    });

    it('a second rollout while one runs: 409 job_running naming the running job; cancel stops it and frees the kind', async () => {
      const first = await call('POST', '/api/v1/admin/rollouts', { group: 'staff', idPattern: '%emailLocalPart%' });
      assert.equal(first.status, 202);
      const jobId = first.json().jobId as string;
      const second = await call('POST', '/api/v1/admin/rollouts', { group: 'developers' });
      assert.equal(second.status, 409);
      assert.equal(second.json().error.code, 'job_running');
      assert.deepEqual(second.json().error.details, { jobId, kind: 'rollout' });

      const listed = (await call('GET', '/api/v1/admin/jobs')).json().jobs;
      assert.equal(listed[0].id, jobId);
      assert.equal(listed[0].kind, 'rollout');

      const cancelled = await call('POST', `/api/v1/admin/jobs/${jobId}/cancel`);
      assert.equal(cancelled.status, 200);
      assert.equal(cancelled.json().state, 'cancelled');
      await new Promise((resolve) => setTimeout(resolve, 500));
      const after = (await call('GET', `/api/v1/admin/jobs/${jobId}`)).json();
      assert.equal(after.state, 'cancelled');
      assert.ok(after.finishedAt);
      assert.ok(after.done < STAFF, `it stopped before the end (${after.done} of ${after.total})`);
      const policy = (await call('GET', '/api/v1/admin/policy')).json();
      assert.deepEqual(policy.enforcedGroups, [], 'a cancelled rollout does not enforce its group');
      const audit = (await call('GET', '/api/v1/admin/audit?action=job.cancelled')).json().entries;
      assert.equal(audit[0].detail.jobId, jobId);
      assert.equal(audit[0].actorAccountId, ALICE_ADMIN.accountId);

      const again = await call('POST', '/api/v1/admin/rollouts', { group: 'developers' });
      assert.equal(again.status, 202, 'the kind is free again');
      assert.notEqual(again.json().jobId, jobId);
    });

    it('answers 404 for an unknown job, 400 for a malformed id, 403 to a user who is not a Jira admin', async () => {
      const unknown = await call('GET', `/api/v1/admin/jobs/${randomUUID()}`);
      assert.equal(unknown.status, 404);
      assert.equal(unknown.json().error.code, 'not_found');
      const malformed = await call('GET', '/api/v1/admin/jobs/not-a-job');
      assert.equal(malformed.status, 400);
      assert.equal(malformed.json().error.code, 'invalid_request');
      for (const [method, path] of [
        ['GET', '/api/v1/admin/jobs'],
        ['POST', '/api/v1/admin/rollouts'],
        ['POST', '/api/v1/admin/directory/refresh'],
        ['GET', '/api/v1/admin/users.csv'],
      ] as const) {
        const refused = await call(method, path, method === 'POST' ? { group: 'staff' } : undefined, BOB_MEMBER.accountId);
        assert.equal(refused.status, 403, `${method} ${path}`);
        assert.equal(refused.json().error.code, 'not_admin');
      }
    });
  });
}
