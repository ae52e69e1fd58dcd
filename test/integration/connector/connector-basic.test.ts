import assert from 'node:assert/strict';
import { QueryTypes } from 'sequelize';
import { AesGcmSecretBox } from '../../../src/adapters/crypto/aes-gcm-secret-box';
import { SequelizeTenantRepository } from '../../../src/adapters/db/tenant-repository';
import { databaseLanes, printLaneNotice } from '../../support/database-lanes';
import { assertNoSecretFields, CONNECTOR, ConnectorScenario, errorCode, SERVICE_USER } from './connector-support';

/** Basic authentication (user name plus password or API token) through the API, against the fake Jira Server. */
for (const lane of databaseLanes()) {
  describe(`Jira connector, Basic authentication (${lane.name})`, function () {
    this.timeout(30_000);
    const s = new ConnectorScenario(lane);

    before(async () => {
      printLaneNotice();
      await s.start();
    });
    after(() => s.stop());

    const basic = (extra: Record<string, unknown> = {}) => ({ baseUrl: s.jira.baseUrl, authType: 'basic', username: SERVICE_USER.name, ...extra });

    it('needs the password the first time, and refuses plain http to another host', async () => {
      const missing = await s.call('PUT', CONNECTOR, basic());
      assert.equal(missing.status, 400);
      assert.equal(errorCode(missing), 'invalid_request');
      assert.equal(missing.json().error.details.fields[0].field, 'secret');
      const http = await s.call('PUT', CONNECTOR, basic({ baseUrl: 'http://jira.example.com', secret: SERVICE_USER.password }));
      assert.equal(errorCode(http), 'insecure_url');
      const colon = await s.call('PUT', CONNECTOR, basic({ username: 'a:b', secret: 'x' }));
      assert.equal(errorCode(colon), 'invalid_request');
    });

    it('saves user name and password (never shown again) and tests as that user', async () => {
      const saved = await s.call('PUT', CONNECTOR, basic({ secret: SERVICE_USER.password }));
      assert.equal(saved.status, 200, saved.text);
      const view = saved.json();
      assert.equal(view.authType, 'basic');
      assert.equal(view.username, SERVICE_USER.name);
      assert.equal(view.hasSecret, true);
      assert.equal(view.status, 'connected');
      assert.equal(view.tokenExpiresAt, null);
      assertNoSecretFields(view);
      assert.ok(!saved.text.includes(SERVICE_USER.password));

      const test = await s.call('POST', `${CONNECTOR}/test`);
      assert.equal(test.status, 200, test.text);
      assert.equal(test.json().user.name, SERVICE_USER.name);
      assert.equal(s.jira.requests.at(-1)!.auth, 'basic');
      assert.match((await s.view()).statusMessage, /acts in Jira as Twofold Service \(svc-twofold\)/);
    });

    it('keeps the stored password when only other fields are sent, but not for another address or user', async () => {
      const again = await s.call('PUT', CONNECTOR, basic());
      assert.equal(again.status, 200);
      assert.equal(again.json().status, 'connected');
      const moved = await s.call('PUT', CONNECTOR, basic({ baseUrl: s.jira.baseUrl.replace('127.0.0.1', 'localhost') }));
      assert.equal(moved.status, 400);
      assert.deepEqual([errorCode(moved), moved.json().error.details.fields.map((f: { field: string }) => f.field)], ['invalid_request', ['secret']]);
      const otherUser = await s.call('PUT', CONNECTOR, basic({ username: 'bob' }));
      assert.equal(otherUser.status, 400);
    });

    it('stores the password sealed only', async () => {
      const text = await s.databaseText();
      assert.ok(!text.includes(SERVICE_USER.password));
      assert.ok(!text.includes(Buffer.from(`${SERVICE_USER.name}:${SERVICE_USER.password}`).toString('base64')));
      assert.match(text, /basic_secret_sealed":"v1\./);
    });

    it('a wrong password: 502 unauthorized once, then needs_reauthorization and no second login attempt (Jira locks accounts)', async () => {
      const saved = await s.call('PUT', CONNECTOR, basic({ secret: 'wrong password' }));
      assert.equal(saved.json().status, 'connected', 'not known to be wrong before it is used');
      const first = await s.call('POST', `${CONNECTOR}/test`);
      assert.equal(first.status, 502);
      assert.equal(errorCode(first), 'unauthorized');
      assert.equal(s.jira.failedLogins(SERVICE_USER.name), 1);
      const view = await s.view();
      assert.equal(view.status, 'needs_reauthorization');
      assert.equal(view.problem.code, 'unauthorized');

      const second = await s.call('POST', `${CONNECTOR}/test`);
      assert.equal(second.status, 409);
      assert.equal(errorCode(second), 'connector_needs_reauthorization');
      assert.deepEqual(second.json().error.details, { status: 'needs_reauthorization', reason: 'unauthorized' });
      assert.equal(s.jira.failedLogins(SERVICE_USER.name), 1, 'no retry storm');
      assert.ok((await s.audit()).some((e) => e.action === 'connector.token_rejected' && e.detail.authType === 'basic'));
    });

    it('saving the right password heals it', async () => {
      const saved = await s.call('PUT', CONNECTOR, basic({ secret: SERVICE_USER.password }));
      assert.equal(saved.json().status, 'connected');
      assert.equal((await s.call('POST', `${CONNECTOR}/test`)).status, 200);
      assert.equal(s.jira.failedLogins(SERVICE_USER.name), 0);
    });

    it('"Forget password" erases it', async () => {
      assert.equal((await s.call('DELETE', `${CONNECTOR}/token`)).status, 204);
      const view = await s.view();
      assert.equal(view.status, 'unconfigured');
      assert.equal(view.hasSecret, false);
      assert.equal(errorCode(await s.call('POST', `${CONNECTOR}/test`)), 'connector_not_configured');
      assert.doesNotMatch(await s.databaseText(), /basic_secret_sealed":"v1\./);
    });

    it('switching to OAuth 1.0a erases the password; switching back needs it again', async () => {
      await s.call('PUT', CONNECTOR, basic({ secret: SERVICE_USER.password }));
      const oauth = await s.call('PUT', CONNECTOR, { baseUrl: s.jira.baseUrl, authType: 'oauth1', consumerKey: 'twofold' });
      assert.equal(oauth.json().hasSecret, false);
      assert.equal(errorCode(await s.call('PUT', CONNECTOR, basic())), 'invalid_request');
    });

    it("purges the connector with the rest of the site's data after uninstall and the grace period (last)", async () => {
      const { sequelize } = s.app.twofold.database;
      const count = async () =>
        (
          await sequelize.query<{ n: number | string }>('SELECT COUNT(*) AS n FROM connectors WHERE client_key = :key', {
            type: QueryTypes.SELECT,
            replacements: { key: s.app.host.clientKey },
          })
        )[0]!.n;
      assert.equal(Number(await count()), 1);
      await s.app.host.uninstall();
      const tenants = new SequelizeTenantRepository(sequelize, new AesGcmSecretBox(s.app.twofold.config.masterKeys.current));
      assert.deepEqual(await tenants.purgeUninstalledBefore(new Date(Date.now() + 60_000)), [s.app.host.clientKey]);
      assert.equal(Number(await count()), 0);
    });
  });
}
