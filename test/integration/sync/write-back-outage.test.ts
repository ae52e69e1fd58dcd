import assert from 'node:assert/strict';
import { QueryTypes } from 'sequelize';
import { AxiosHttpTransport } from '../../../src/adapters/http-transport/axios-transport';
import type { HttpRequest, HttpResponse, HttpTransport } from '../../../src/domain/ports/http-transport';
import { databaseLanes, printLaneNotice } from '../../support/database-lanes';
import { startInstalledApp, type InstalledApp } from '../../support/installed-app';
import { ALICE_ADMIN, BOB_MEMBER, type TestApp } from '../../support/test-app';

/** The real transport, except that while `down` the host's user property calls answer 503 with Retry-After: 1. */
class OutageTransport implements HttpTransport {
  down = false;
  refused = 0;
  private readonly real = new AxiosHttpTransport();
  async send(request: HttpRequest): Promise<HttpResponse> {
    if (this.down && request.url.includes('/rest/api/3/user/properties/')) {
      this.refused += 1;
      return { status: 503, headers: { 'retry-after': '1' }, body: '' };
    }
    return this.real.send(request);
  }
}

async function until(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Write-back while the Jira host is down: the change waits in the queue and reaches Jira once it is back. */
for (const lane of databaseLanes()) {
  describe(`Write-back through a host outage (${lane.name})`, function () {
    this.timeout(60_000);
    const transport = new OutageTransport();
    let installed: InstalledApp;
    let app: TestApp;

    before(async () => {
      printLaneNotice();
      installed = await startInstalledApp(lane, { overrides: { transport } });
      app = installed.app;
    });
    after(() => installed?.stop());

    const admin = (method: string, path: string, body?: unknown) =>
      app.request(method, path, { token: app.contextToken(ALICE_ADMIN.accountId), ...(body === undefined ? {} : { body }) });
    const queued = async () => (await app.twofold.database.sequelize.query('SELECT account_id FROM sync_write_back', { type: QueryTypes.SELECT })).length;
    const property = () => app.host.userProperty(BOB_MEMBER.accountId, 'twofold-id') as { twoFactorId?: string } | undefined;

    it('delays the push while Jira answers 503 and loses nothing', async () => {
      assert.equal((await admin('PUT', '/api/v1/admin/policy', { writeBack: true })).status, 200);
      transport.down = true;
      assert.equal((await admin('PUT', `/api/v1/admin/users/${BOB_MEMBER.accountId}`, { twoFactorId: 'bob.during.outage' })).status, 200);
      await until('Jira to have refused a push twice', () => transport.refused >= 2);
      assert.equal(property(), undefined, 'nothing reached Jira');
      assert.equal(await queued(), 1, 'the change waits in the queue');

      transport.down = false;
      await until('the queue to empty', async () => (await queued()) === 0);
      assert.equal(property()?.twoFactorId, 'bob.during.outage');
    });
  });
}
