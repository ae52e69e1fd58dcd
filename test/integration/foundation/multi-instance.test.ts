import assert from 'node:assert/strict';
import { postgresLaneOrSkip } from '../../support/database-lanes';
import { ALICE_ADMIN, type TestApp } from '../../support/test-app';
import { startTwoAppInstances, type TwoAppInstances } from '../../support/two-app-instances';

/**
 * Two app instances on one Postgres database: a tenant installed, reinstalled or uninstalled through
 * one instance is seen by the other at once (LISTEN/NOTIFY, and a re-read when a signature does not
 * verify), although each keeps verified tenants in memory.
 */
describe('Tenant cache across two app instances (postgres)', () => {
  let instances: TwoAppInstances;
  let first: TestApp;
  let second: TestApp;

  before(async function () {
    const lane = postgresLaneOrSkip(this, 'the two-instance tests need Postgres and are skipped');
    instances = await startTwoAppInstances(lane);
    ({ first, second } = instances);
  });
  after(() => instances?.stop());

  const contextOn = (app: TestApp, token: string) => app.request('GET', '/api/v1/context', { token });
  const eventually = async (check: () => Promise<boolean>, withinMs: number) => {
    const deadline = Date.now() + withinMs;
    while (Date.now() < deadline) {
      if (await check()) return true;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return false;
  };

  it('an install through the instance booted first is honoured by it', async () => {
    await first.install();
    assert.equal((await contextOn(first, first.contextToken(ALICE_ADMIN.accountId))).status, 200);
  });

  it('an install through one instance is honoured by the other', async () => {
    await second.install();
    const response = await contextOn(first, second.contextToken(ALICE_ADMIN.accountId));
    assert.equal(response.status, 200);
  });

  // "At once" on a single instance is a unit test (connect-jwt-verifier); across instances it is
  // NOTIFY's delivery, or the re-read on a mismatch, which is rate limited to one a second per tenant:
  // whichever comes first, within moments and well inside the cache TTL.
  it("a reinstall's new sharedSecret is accepted by the other instance within moments", async () => {
    const old = second.contextToken(ALICE_ADMIN.accountId);
    assert.equal((await contextOn(first, old)).status, 200, 'the first instance now caches the tenant');
    await second.install();
    const fresh = second.contextToken(ALICE_ADMIN.accountId);
    const accepted = await eventually(async () => (await contextOn(first, fresh)).status === 200, 2000);
    assert.ok(accepted, 'the other instance accepted the new sharedSecret within 2 s (TTL is 30 s)');
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
