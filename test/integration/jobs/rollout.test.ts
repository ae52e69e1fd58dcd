import assert from 'node:assert/strict';
import { SANDBOX_USERS } from '../../../src/sandbox/fixtures';
import { CONNECTOR, ConnectorScenario, SERVICE_USER } from '../connector/connector-support';
import { databaseLanes, printLaneNotice } from '../../support/database-lanes';
import type { TestApp } from '../../support/test-app';

const byName = (name: string) => SANDBOX_USERS.find((user) => user.displayName.startsWith(name))!;
const ALICE = byName('Alice');
const BOB = byName('Bob');
const CAROL = byName('Carol');
const ERIN = byName('Erin');
const FRANK = byName('Frank');

type Job = {
  id: string;
  kind: string;
  state: string;
  total: number;
  done: number;
  failed: number;
  errors: { item: string | null; code: string; message: string }[];
};

/** Polls the job as the users page does, until it has ended. */
async function finished(call: (method: string, path: string, body?: unknown) => Promise<{ status: number; json(): any }>, jobId: string): Promise<Job> {
  for (let attempt = 0; attempt < 600; attempt += 1) {
    const response = await call('GET', `/api/v1/admin/jobs/${jobId}`);
    assert.equal(response.status, 200);
    const job = response.json() as Job;
    if (!['queued', 'running'].includes(job.state)) return job;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error('the job did not finish');
}

/** Waits until no job of the tenant is queued or running (a rollout ends by starting a directory refresh). */
async function allJobsEnded(call: (method: string, path: string, body?: unknown) => Promise<{ status: number; json(): any }>): Promise<void> {
  for (let attempt = 0; attempt < 600; attempt += 1) {
    const jobs = (await call('GET', '/api/v1/admin/jobs')).json().jobs as Job[];
    if (jobs.every((job) => !['queued', 'running'].includes(job.state))) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error('the jobs did not finish');
}

for (const lane of databaseLanes()) {
  describe(`Rollout (${lane.name})`, function () {
    this.timeout(60_000);
    const s = new ConnectorScenario(lane);
    let app: TestApp;
    const call = (method: string, path: string, body?: unknown) => s.call(method, path, body);
    const idOf = async (accountId: string) => {
      const users = (await call('GET', '/api/v1/admin/users?limit=100')).json().users as { accountId: string; twoFactorId: string }[];
      return users.find((user) => user.accountId === accountId)?.twoFactorId;
    };
    const audit = async () =>
      (await call('GET', '/api/v1/admin/audit?limit=100')).json().entries as { action: string; subjectAccountId: string | null; detail: any }[];

    before(async () => {
      printLaneNotice();
      await s.start({
        users: [
          SERVICE_USER,
          { key: 'JIRAUSER10101', name: 'dora', displayName: 'Dora Data', emailAddress: 'dora@dc.example.com' },
          { key: 'JIRAUSER10102', name: 'ed', displayName: 'Ed Edge', emailAddress: 'ed@dc.example.com' },
          { key: 'JIRAUSER10103', name: 'gone', displayName: 'Gone Away', emailAddress: 'gone@dc.example.com', active: false },
          { key: 'JIRAUSER10104', name: 'dora2', displayName: 'Dora Double', emailAddress: 'dora@other.example.com' },
        ],
        groups: { 'dc-devs': ['dora', 'ed', 'gone'], 'dc-twins': ['dora', 'dora2'], 'jira-users': ['svc-twofold'] },
      });
      app = s.app;
    });
    after(() => s.stop());

    it('rolls out to the members of a Cloud group: IDs by pattern, a manual ID kept, a conflict naming both users, the group enforced', async () => {
      assert.equal((await call('PUT', `/api/v1/admin/users/${CAROL.accountId}`, { twoFactorId: 'carol-by-hand' })).status, 200);
      assert.equal((await call('PUT', `/api/v1/admin/users/${ALICE.accountId}`, { twoFactorId: 'erin.novak' })).status, 200);

      const started = await call('POST', '/api/v1/admin/rollouts', { group: 'developers', idPattern: '%emailLocalPart%' });
      assert.equal(started.status, 202, started.text);
      const job = await finished(call, started.json().jobId);
      assert.equal(job.kind, 'rollout');
      assert.equal(job.state, 'succeeded');
      assert.equal(job.total, 3, 'the active members: Bob, Carol, Erin (Frank is inactive)');
      assert.equal(job.done, 2);
      assert.equal(job.failed, 1);
      assert.equal(job.errors[0]!.item, ERIN.accountId);
      assert.equal(job.errors[0]!.code, 'id_conflict');
      assert.ok(job.errors[0]!.message.includes(ERIN.accountId) && job.errors[0]!.message.includes(ALICE.accountId), 'both users are named');

      assert.equal(await idOf(BOB.accountId), 'bob');
      assert.equal(await idOf(CAROL.accountId), 'carol-by-hand');
      assert.equal(await idOf(ALICE.accountId), 'erin.novak');
      assert.notEqual(await idOf(FRANK.accountId), 'frank');
      const policy = (await call('GET', '/api/v1/admin/policy')).json();
      assert.deepEqual(policy.enforcedGroups, ['developers']);

      const entries = await audit();
      const assigned = entries.find((entry) => entry.action === 'user.id_assigned' && entry.subjectAccountId === BOB.accountId);
      assert.deepEqual(
        { twoFactorId: assigned?.detail.twoFactorId, previous: assigned?.detail.previous, source: assigned?.detail.source },
        { twoFactorId: 'bob', previous: null, source: 'pattern' },
      );
      assert.ok(entries.some((entry) => entry.action === 'job.started' && entry.detail.jobId === job.id));
      assert.ok(entries.some((entry) => entry.action === 'job.finished' && entry.detail.jobId === job.id && entry.detail.done === 2));
    });

    it('overwrite replaces the manual ID (audited with old and new); a second rollout changes nothing it has done', async () => {
      const again = await finished(call, (await call('POST', '/api/v1/admin/rollouts', { group: 'developers', idPattern: '%emailLocalPart%' })).json().jobId);
      assert.equal(again.state, 'succeeded');
      const before = (await audit()).filter((entry) => entry.action === 'user.id_assigned').length;
      assert.equal(await idOf(CAROL.accountId), 'carol-by-hand');

      const overwrite = await call('POST', '/api/v1/admin/rollouts', { group: 'developers', idPattern: '%emailLocalPart%', overwrite: true });
      const job = await finished(call, overwrite.json().jobId);
      assert.equal(job.done, 2);
      assert.equal(await idOf(CAROL.accountId), 'carol.chen');
      const changes = (await audit()).filter((entry) => entry.action === 'user.id_assigned');
      assert.equal(changes.length, before + 1, 'only Carol changed');
      assert.deepEqual([changes[0]!.detail.previous, changes[0]!.detail.twoFactorId], ['carol-by-hand', 'carol.chen']);
    });

    it('refuses a bad request: no group, a bad pattern, an unknown field', async () => {
      for (const body of [{}, { group: 'developers', idPattern: 'fixed' }, { group: 'developers', target: 'elsewhere' }, { group: 'x', extra: 1 }]) {
        const response = await call('POST', '/api/v1/admin/rollouts', body);
        assert.equal(response.status, 400, JSON.stringify(body));
        assert.equal(response.json().error.code, 'invalid_request');
      }
    });

    it('a group the host does not know stops the job with group_not_found', async () => {
      const job = await finished(call, (await call('POST', '/api/v1/admin/rollouts', { group: 'no-such-group' })).json().jobId);
      assert.equal(job.state, 'failed');
      assert.equal(job.errors[0]!.code, 'group_not_found');
      assert.equal(job.errors[0]!.item, null);
    });

    it('target connector: refused with 409 while the connector is not set up', async () => {
      const response = await call('POST', '/api/v1/admin/rollouts', { group: 'dc-devs', target: 'connector' });
      assert.equal(response.status, 409);
      assert.equal(response.json().error.code, 'connector_not_configured');
    });

    it('target connector: the Data Center group members get IDs as dc:<user key>', async () => {
      const saved = await call('PUT', CONNECTOR, { baseUrl: s.jira.baseUrl, authType: 'basic', username: SERVICE_USER.name, secret: SERVICE_USER.password });
      assert.equal(saved.status, 200, saved.text);
      const started = await call('POST', '/api/v1/admin/rollouts', { group: 'dc-devs', target: 'connector', idPattern: '%username%@dc' });
      assert.equal(started.status, 202, started.text);
      const job = await finished(call, started.json().jobId);
      assert.equal(job.state, 'succeeded', JSON.stringify(job));
      assert.equal(job.total, 2, 'the inactive user is left out');
      assert.equal(job.done, 2);
      const [row] = (await app.twofold.database.sequelize.query("SELECT two_factor_id FROM two_factor_ids WHERE account_id = 'dc:JIRAUSER10101'")) as [
        { two_factor_id: string }[],
        unknown,
      ];
      assert.equal(row[0]?.two_factor_id, 'dora@dc');
      assert.deepEqual((await call('GET', '/api/v1/admin/policy')).json().enforcedGroups, ['developers', 'dc-devs']);

      // The rollout refreshed the Data Center users' mirror (the enforced groups' members, by user key).
      let sources: { source: string; userCount: number }[] = [];
      for (let attempt = 0; attempt < 400 && !sources.some((source) => source.source === 'connector'); attempt += 1) {
        await new Promise((resolve) => setTimeout(resolve, 25));
        sources = (await call('GET', '/api/v1/admin/directory')).json().sources;
      }
      assert.equal(sources.find((source) => source.source === 'connector')?.userCount, 3, 'Dora, Ed and the inactive member of dc-devs');
      const dcUsers = (await call('GET', '/api/v1/admin/users?source=connector')).json().users as {
        accountId: string;
        twoFactorId: string;
        required: boolean;
        active: boolean;
      }[];
      assert.deepEqual(
        dcUsers.map((user) => [user.accountId, user.twoFactorId, user.required, user.active]),
        [
          ['dc:JIRAUSER10101', 'dora@dc', true, true],
          ['dc:JIRAUSER10102', 'ed@dc', true, true],
          ['dc:JIRAUSER10103', 'gone@dc.example.com', true, false],
        ],
      );
    });

    it('target connector: two members the pattern gives the same ID: one gets it, the other fails naming both', async () => {
      const job = await finished(
        call,
        (await call('POST', '/api/v1/admin/rollouts', { group: 'dc-twins', target: 'connector', idPattern: '%emailLocalPart%' })).json().jobId,
      );
      assert.equal(job.state, 'succeeded');
      assert.deepEqual([job.total, job.done, job.failed], [2, 1, 1]);
      const [error] = job.errors;
      assert.equal(error!.code, 'id_conflict');
      assert.ok(
        ['dc:JIRAUSER10101', 'dc:JIRAUSER10104'].every((accountId) => error!.message.includes(accountId)),
        error!.message,
      );
      const [rows] = (await app.twofold.database.sequelize.query("SELECT account_id FROM two_factor_ids WHERE two_factor_id = 'dora'")) as [
        { account_id: string }[],
        unknown,
      ];
      assert.equal(rows.length, 1, 'the ID went to exactly one of them');
      assert.notEqual(rows[0]!.account_id, error!.item, 'not to the one whose item failed');
    });

    it('target connector: Jira refusing the credentials stops the job with an actionable reason', async () => {
      // The earlier rollouts' directory refreshes read group members too: the refusal is meant for this rollout.
      await allJobsEnded(call);
      s.jira.enqueue('/rest/api/2/group/member', {
        status: 401,
        body: JSON.stringify({ errorMessages: ['no'] }),
        headers: { 'Content-Type': 'application/json' },
      });
      const job = await finished(call, (await call('POST', '/api/v1/admin/rollouts', { group: 'dc-devs', target: 'connector' })).json().jobId);
      assert.equal(job.state, 'failed');
      assert.equal(job.errors[0]!.code, 'connector_needs_reauthorization');
    });
  });
}
