import assert from 'node:assert/strict';
import { CuttableTcpProxy } from '../../support/cuttable-tcp-proxy';
import { postgresLaneOrSkip, type DatabaseLane } from '../../support/database-lanes';
import { startInstalledApp, type InstalledApp } from '../../support/installed-app';
import { BOB_MEMBER } from '../../support/test-app';

/**
 * The database going away: requests are answered 503 service_unavailable with Retry-After and the
 * contract's error shape (not a 500 with a stack), /healthz says which check fails, and when the
 * database is back the same process serves again, with no restart.
 */
describe('Database outage (postgres)', function () {
  let proxy: CuttableTcpProxy;
  let installed: InstalledApp;

  before(async function () {
    const lane = postgresLaneOrSkip(this, 'the database outage test needs Postgres behind a proxy it can cut');
    const target = new URL(process.env.TEST_DATABASE_URL!);
    proxy = await new CuttableTcpProxy(target.hostname, Number(target.port || 5432)).start();
    const proxied: DatabaseLane = {
      name: 'postgres',
      async create() {
        const database = await lane.create();
        const url = new URL(database.url);
        url.host = `127.0.0.1:${proxy.port}`;
        return { url: url.toString(), drop: () => database.drop() };
      },
    };
    installed = await startInstalledApp(proxied);
  });
  after(async () => {
    await proxy?.restore().catch(() => undefined);
    await installed?.stop();
    await proxy?.cut();
  });

  it('answers 503 while the database is away and serves again when it is back', async () => {
    const { app } = installed;
    const token = app.contextToken(BOB_MEMBER.accountId);
    assert.equal((await app.request('GET', '/api/v1/me', { token })).status, 200);

    await proxy.cut();
    for (const [method, path, body] of [
      ['GET', '/api/v1/me', undefined],
      ['POST', '/api/v1/me/totp', {}],
    ] as const) {
      const response = await app.request(method, path, { token, ...(body === undefined ? {} : { body }) });
      assert.equal(response.status, 503, `${method} ${path}: ${response.text}`);
      assert.equal(response.json<{ error: { code: string } }>().error.code, 'service_unavailable');
      assert.equal(response.headers.get('retry-after'), '5');
      assert.doesNotMatch(response.text, /ECONNREFUSED|at .*\.ts:\d+/, 'no driver words or stack');
    }
    const health = await app.request('GET', '/healthz');
    assert.equal(health.status, 503);

    await proxy.restore();
    let status = 0;
    for (let attempt = 0; attempt < 20 && status !== 200; attempt += 1) {
      status = (await app.request('GET', '/api/v1/me', { token })).status;
      if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 250));
    }
    assert.equal(status, 200, 'the same process serves again');
    assert.equal((await app.request('GET', '/healthz')).status, 200);
    assert.equal((await app.request('POST', '/api/v1/me/totp', { token, body: {} })).status, 201);
  });
});
