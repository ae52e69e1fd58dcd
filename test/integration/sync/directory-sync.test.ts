import assert from 'node:assert/strict';
import { QueryTypes } from 'sequelize';
import { SequelizeIdMappingRepository } from '../../../src/adapters/db/id-mapping-repository';
import { databaseLanes, printLaneNotice } from '../../support/database-lanes';
import { ALICE_ADMIN, BOB_MEMBER } from '../../support/test-app';
import { CONNECTOR, ConnectorScenario, errorCode, SERVICE_USER } from '../connector/connector-support';

const SYNC = '/api/v1/admin/sync';
const KEY = 'twofold-id';

/** Both sync directions through the API: the sandbox Jira Cloud host and the fake Jira Server, each database lane. */
for (const lane of databaseLanes()) {
  describe(`Directory sync (${lane.name})`, function () {
    this.timeout(60_000);
    const s = new ConnectorScenario(lane);
    let tenant = '';

    before(async () => {
      printLaneNotice();
      await s.start();
      const [row] = await s.app.twofold.database.sequelize.query<{ client_key: string }>('SELECT client_key FROM tenants', { type: QueryTypes.SELECT });
      tenant = row!.client_key;
    });
    after(() => s.stop());

    async function assign(accountId: string, twoFactorId: string): Promise<void> {
      const response = await s.call('PUT', `/api/v1/admin/users/${encodeURIComponent(accountId)}`, { twoFactorId });
      assert.equal(response.status, 200, response.text);
    }

    /** Starts a sync and waits for its job to end; answers the job. */
    async function sync(body: Record<string, unknown>): Promise<Record<string, any>> {
      const started = await s.call('POST', SYNC, body);
      assert.equal(started.status, 202, started.text);
      const { jobId } = started.json();
      for (let attempt = 0; attempt < 400; attempt++) {
        const job = (await s.call('GET', `/api/v1/admin/jobs/${jobId}`)).json();
        if (!['queued', 'running'].includes(job.state)) return job;
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      throw new Error('the sync job did not end');
    }

    async function written(): Promise<number> {
      const rows = await s.app.twofold.database.sequelize.query<{ n: number | string }>(
        "SELECT COUNT(*) AS n FROM audit_events WHERE action = 'sync.property_written'",
        { type: QueryTypes.SELECT },
      );
      return Number(rows[0]!.n);
    }

    const mappings = () => new SequelizeIdMappingRepository(s.app.twofold.database.sequelize);
    const codes = (job: Record<string, any>) => (job.errors as Array<{ item: string; code: string }>).map((e) => [e.item, e.code]).sort();

    it('validates the request: direction, target, adopt only for an import', async () => {
      for (const body of [
        {},
        { direction: 'both', target: 'host' },
        { direction: 'export', target: 'crowd' },
        { direction: 'export', target: 'host', adopt: true },
      ]) {
        const response = await s.call('POST', SYNC, body);
        assert.equal(response.status, 400, JSON.stringify(body));
        assert.equal(errorCode(response), 'invalid_request');
      }
    });

    describe('Jira Cloud host (sandbox)', () => {
      it('export writes the property of every mapped user Jira knows; a second export writes nothing', async () => {
        await assign(ALICE_ADMIN.accountId, 'alice@acme');
        await assign(BOB_MEMBER.accountId, 'bob@acme');
        await assign('557058:no-such-user', 'ghost@acme');
        const first = await sync({ direction: 'export', target: 'host' });
        assert.deepEqual([first.state, first.total, first.done, first.failed], ['succeeded', 3, 2, 1]);
        assert.deepEqual(codes(first), [['557058:no-such-user', 'unknown_user']]);
        const alice = s.app.host.userProperty(ALICE_ADMIN.accountId, KEY) as Record<string, unknown>;
        assert.deepEqual(Object.keys(alice).sort(), ['enrolled', 'twoFactorId', 'updatedAt']);
        assert.deepEqual([alice.twoFactorId, alice.enrolled], ['alice@acme', false]);
        assert.equal(await written(), 2);

        const before = JSON.stringify(s.app.host.userProperty(BOB_MEMBER.accountId, KEY));
        const second = await sync({ direction: 'export', target: 'host' });
        assert.deepEqual([second.state, second.done, second.failed], ['succeeded', 2, 1]);
        assert.equal(await written(), 2, 'a second export right after the first writes nothing');
        assert.equal(JSON.stringify(s.app.host.userProperty(BOB_MEMBER.accountId, KEY)), before);
      });

      it('import reports the differences and changes nothing; with adopt it takes over a differing ID', async () => {
        s.app.host.setUserProperty(BOB_MEMBER.accountId, KEY, { twoFactorId: 'bob.builder', enrolled: false, updatedAt: '2026-11-01T00:00:00Z' });
        s.app.host.setUserProperty(ALICE_ADMIN.accountId, KEY, { twoFactorId: 'alice@acme', enrolled: 'yes', updatedAt: '2026-11-01T00:00:00Z' });
        const report = await sync({ direction: 'import', target: 'host' });
        assert.deepEqual(
          codes(report),
          [
            ['557058:no-such-user', 'unknown_user'],
            [ALICE_ADMIN.accountId, 'invalid_property'],
            [BOB_MEMBER.accountId, 'different'],
          ].sort(),
        );
        assert.equal((await mappings().find(tenant, BOB_MEMBER.accountId))?.twoFactorId, 'bob@acme', 'an import without adopt changes nothing');

        const adopted = await sync({ direction: 'import', target: 'host', adopt: true });
        assert.equal(adopted.state, 'succeeded');
        assert.equal((await mappings().find(tenant, BOB_MEMBER.accountId))?.twoFactorId, 'bob.builder');
        assert.equal((await mappings().find(tenant, ALICE_ADMIN.accountId))?.twoFactorId, 'alice@acme', 'an invalid property is never adopted');
      });

      it('write-back: with the policy on, an ID change reaches Jira without an export', async () => {
        const off = await s.call('PUT', '/api/v1/admin/policy', { writeBack: 'yes' });
        assert.equal(errorCode(off), 'invalid_policy');
        const on = await s.call('PUT', '/api/v1/admin/policy', { writeBack: true });
        assert.equal(on.status, 200, on.text);
        await assign(BOB_MEMBER.accountId, 'bob.written.back');
        const queued = () => s.app.twofold.database.sequelize.query('SELECT * FROM sync_write_back', { type: QueryTypes.SELECT });
        for (let attempt = 0; attempt < 400; attempt++) {
          if ((await queued()).length === 0) break;
          await new Promise((resolve) => setTimeout(resolve, 25));
        }
        assert.deepEqual(await queued(), [], 'a pushed change leaves the queue');
        assert.equal((s.app.host.userProperty(BOB_MEMBER.accountId, KEY) as { twoFactorId: string }).twoFactorId, 'bob.written.back');
        await s.call('PUT', '/api/v1/admin/policy', { writeBack: false });
      });
    });

    describe('Jira Server/Data Center (fake Jira Server, through the connector)', () => {
      const BOB_DC = 'dc:JIRAUSER10001';
      const puts = () => s.jira.requests.filter((r) => r.method === 'PUT' && r.path.endsWith(`/user/properties/${KEY}`)).length;

      it('stops with a reason the admin can act on while the connector is not set up', async () => {
        await assign(BOB_DC, 'bob-dc');
        const job = await sync({ direction: 'export', target: 'connector' });
        assert.equal(job.state, 'failed');
        assert.equal(job.stopReason.code, 'connector_not_configured');
      });

      it('export writes by user key; a second export writes nothing; import reports a difference', async () => {
        const saved = await s.call('PUT', CONNECTOR, {
          baseUrl: s.jira.baseUrl,
          authType: 'basic',
          username: SERVICE_USER.name,
          secret: SERVICE_USER.password,
        });
        assert.equal(saved.status, 200, saved.text);
        await assign('dc:JIRAUSER99999', 'nobody-dc');
        const first = await sync({ direction: 'export', target: 'connector' });
        assert.deepEqual([first.state, first.done, first.failed], ['succeeded', 1, 1]);
        assert.deepEqual(codes(first), [['dc:JIRAUSER99999', 'unknown_user']]);
        const value = s.jira.properties.get(`JIRAUSER10001\u0000${KEY}`) as Record<string, unknown>;
        assert.deepEqual([value.twoFactorId, value.enrolled], ['bob-dc', false]);
        assert.equal(puts(), 1);

        await sync({ direction: 'export', target: 'connector' });
        assert.equal(puts(), 1, 'a second export right after the first writes nothing');

        s.jira.properties.set(`JIRAUSER10001\u0000${KEY}`, { ...value, twoFactorId: 'bob-changed-in-jira' });
        const report = await sync({ direction: 'import', target: 'connector' });
        assert.deepEqual(codes(report), [
          ['dc:JIRAUSER10001', 'different'],
          ['dc:JIRAUSER99999', 'unknown_user'],
        ]);
        assert.equal((await mappings().find(tenant, BOB_DC))?.twoFactorId, 'bob-dc');
        assert.equal(puts(), 1, 'an import writes nothing to Jira');
      });

      it('a wrong password stops the job: the connector needs reauthorization', async () => {
        await s.call('PUT', CONNECTOR, { baseUrl: s.jira.baseUrl, authType: 'basic', username: SERVICE_USER.name, secret: 'wrong' });
        s.jira.properties.delete(`JIRAUSER10001\u0000${KEY}`);
        const job = await sync({ direction: 'export', target: 'connector' });
        assert.equal(job.state, 'failed');
        assert.equal(job.stopReason.code, 'connector_needs_reauthorization');
      });
    });
  });
}
