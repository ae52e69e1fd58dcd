import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { QueryTypes } from 'sequelize';
import { TENANT_OWNED_TABLES } from '../../../src/adapters/db/tenant-owned-tables';
import { ALL_ROUTES } from '../../../routes/openapi';
import { fillPath } from '../../support/bad-input-cases';
import { databaseLanes } from '../../support/database-lanes';
import { startTwoAppInstances, type TwoAppInstances } from '../../support/two-app-instances';
import { ALICE_ADMIN, BOB_MEMBER, type TestApp } from '../../support/test-app';
import { steppedClock } from '../../support/stepped-clock';
import { enroll } from '../mfa/support';

/**
 * Two installed tenants whose users have the very same accountIds (both sandboxes know Alice and Bob).
 * For every route the OpenAPI document describes: tenant B's user and admin tokens, aimed at tenant A's
 * objects (A's job, A's users), neither read nor change anything of A's; users reach no admin route.
 */
for (const lane of databaseLanes()) {
  describe(`Tenant isolation, route by route (${lane.name})`, function () {
    this.timeout(300_000);
    let instances: TwoAppInstances;
    let a: TestApp;
    let b: TestApp;
    let aClientKey: string;
    const A_BOB_ID = `a-bob-${randomUUID().slice(0, 8)}@tenant-a.example`;
    const aValues: Record<string, string> = {};

    /** Every row tenant A owns, hashed. */
    async function aFingerprint(): Promise<string> {
      const hash = createHash('sha256');
      for (const { table, tenantColumn } of TENANT_OWNED_TABLES) {
        const rows = await a.twofold.database.sequelize.query(`SELECT * FROM ${table} WHERE ${tenantColumn} = :key`, {
          type: QueryTypes.SELECT,
          replacements: { key: aClientKey },
        });
        hash.update(table).update(JSON.stringify(rows.map((row) => JSON.stringify(row)).sort()));
      }
      return hash.digest('hex');
    }

    before(async () => {
      const clock = steppedClock();
      instances = await startTwoAppInstances(lane, { clock });
      ({ first: a, second: b } = instances);
      await a.install();
      await b.install();
      aClientKey = a.host.clientKey;
      assert.notEqual(aClientKey, b.host.clientKey);
      const aAdmin = a.contextToken(ALICE_ADMIN.accountId);
      await enroll(a, clock, BOB_MEMBER.accountId);
      const assigned = await a.request('PUT', `/api/v1/admin/users/${BOB_MEMBER.accountId}`, { token: aAdmin, body: { twoFactorId: A_BOB_ID } });
      assert.equal(assigned.status, 200, assigned.text);
      const job = await a.request('POST', '/api/v1/admin/directory/refresh', { token: aAdmin, body: {} });
      assert.equal(job.status, 202, job.text);
      aValues.jobId = job.json<{ jobId: string }>().jobId;
      // Let A's job finish, so that its own writes are not taken for B's.
      for (let i = 0; i < 40; i += 1) {
        const state = (await a.request('GET', `/api/v1/admin/jobs/${aValues.jobId}`, { token: aAdmin })).json<{ state: string }>().state;
        if (state !== 'queued' && state !== 'running') break;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    });
    after(() => instances?.stop());

    /** A's objects by parameter name; the accountIds are the same in both tenants on purpose. */
    const pathFor = (path: string) =>
      path.replace(/\{([^}]+)\}/g, (_m, name: string) =>
        encodeURIComponent(name === 'accountId' ? BOB_MEMBER.accountId : (aValues[name] ?? fillPath(`{${name}}`).replace(/^\//, ''))),
      );

    it("tenant B's tokens neither read nor change tenant A's data on any route", async () => {
      const problems: string[] = [];
      let calls = 0;
      for (const route of ALL_ROUTES) {
        if (route.auth === 'none') continue;
        for (const who of [BOB_MEMBER, ALICE_ADMIN]) {
          const before = await aFingerprint();
          const token = b.contextToken(who.accountId);
          // Sent to A's own instance: the instance serves both tenants from one database.
          const response = await a.request(route.method.toUpperCase(), pathFor(route.path), { token, ...(route.method === 'get' ? {} : { body: {} }) });
          calls += 1;
          const where = `${route.method.toUpperCase()} ${route.path} as B's ${who === ALICE_ADMIN ? 'admin' : 'user'} (${response.status})`;
          if (response.status >= 500) problems.push(`${where}: ${response.text.slice(0, 200)}`);
          if (response.text.includes(A_BOB_ID)) problems.push(`${where}: shows A's 2FA ID`);
          if (response.status < 400 && aValues.jobId && response.text.includes(aValues.jobId)) problems.push(`${where}: shows A's job`);
          if ((await aFingerprint()) !== before) problems.push(`${where}: changed A's rows`);
          if (route.auth === 'connectJwtAdmin' && who === BOB_MEMBER && response.status !== 403) problems.push(`${where}: a user reached an admin route`);
        }
      }
      console.log(`      ${calls} calls with tenant B's tokens on ${ALL_ROUTES.length} routes`);
      assert.deepEqual(problems, []);
    });

    it("A's job is not found for B, and A's own admin still sees it", async () => {
      const forB = await a.request('GET', `/api/v1/admin/jobs/${aValues.jobId}`, { token: b.contextToken(ALICE_ADMIN.accountId) });
      assert.equal(forB.status, 404);
      const forA = await a.request('GET', `/api/v1/admin/jobs/${aValues.jobId}`, { token: a.contextToken(ALICE_ADMIN.accountId) });
      assert.equal(forA.status, 200);
      const policyOfB = await a.request('GET', '/api/v1/admin/policy', { token: b.contextToken(ALICE_ADMIN.accountId) });
      assert.equal(policyOfB.status, 200, "B's admin does reach admin routes on A's instance (so the walk above tested them)");
      const bobOfB = await a.request('GET', '/api/v1/me', { token: b.contextToken(BOB_MEMBER.accountId) });
      assert.equal(bobOfB.json<{ enrolled: boolean }>().enrolled, false, "B's Bob is not A's Bob, though their accountIds are equal");
    });
  });
}
