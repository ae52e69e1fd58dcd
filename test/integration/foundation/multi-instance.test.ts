import assert from 'node:assert/strict';
import { databaseLanes, type TestDatabase } from '../../support/database-lanes';
import { ALICE_ADMIN, startTestApp, type TestApp } from '../../support/test-app';

/**
 * Two app instances on one Postgres database: a tenant installed, reinstalled or uninstalled through
 * one instance is seen by the other at once (LISTEN/NOTIFY, and a re-read when a signature does not
 * verify), although each keeps verified tenants in memory.
 */
describe('Tenant cache across two app instances (postgres)', () => {
  const lane = databaseLanes().find((candidate) => candidate.name === 'postgres');
  let database: TestDatabase;
  let first: TestApp;
  let second: TestApp;

  before(async function () {
    if (!lane) {
      process.stdout.write('  [notice] TEST_DATABASE_URL is not set: the two-instance tests need Postgres and are skipped\n');
      return this.skip();
    }
    database = await lane.create();
    first = await startTestApp({ databaseUrl: database.url });
    second = await startTestApp({ databaseUrl: database.url, masterKey: first.twofold.config.masterKeys.current });
  });
  after(async () => {
    await first?.close();
    await second?.close();
    await database?.drop();
  });

  const contextOn = (app: TestApp, token: string) => app.request('GET', '/api/v1/context', { token });
  const eventually = async (check: () => Promise<boolean>, withinMs: number) => {
    const deadline = Date.now() + withinMs;
    while (Date.now() < deadline) {
      if (await check()) return true;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return false;
  };

  it("each instance checks install hooks against its own key server, whichever booted last", async () => {
    await first.install();
    assert.equal((await contextOn(first, first.contextToken(ALICE_ADMIN.accountId))).status, 200);
  });

  it('an install through one instance is honoured by the other', async () => {
    await second.install();
    const response = await contextOn(first, second.contextToken(ALICE_ADMIN.accountId));
    assert.equal(response.status, 200);
  });

  it("a reinstall's new sharedSecret is accepted by the other instance at once", async () => {
    const old = second.contextToken(ALICE_ADMIN.accountId);
    assert.equal((await contextOn(first, old)).status, 200, 'the first instance now caches the tenant');
    await second.install();
    assert.equal((await contextOn(first, second.contextToken(ALICE_ADMIN.accountId))).status, 200);
    assert.equal((await contextOn(first, old)).status, 401);
  });

  it('an uninstall through one instance is refused by the other within moments, well inside the cache TTL', async () => {
    const token = second.contextToken(ALICE_ADMIN.accountId);
    assert.equal((await contextOn(first, token)).status, 200);
    await second.host.uninstall();
    const refused = await eventually(async () => (await contextOn(first, token)).status === 401, 3000);
    assert.ok(refused, 'the other instance refused the uninstalled tenant within 3 s (TTL is 30 s)');
  });
});
