import assert from 'node:assert/strict';
import { createPublicKey } from 'node:crypto';
import { randomBytes } from 'node:crypto';
import { AesGcmSecretBox } from '../../../src/adapters/crypto/aes-gcm-secret-box';
import { SequelizeConnectorRepository } from '../../../src/adapters/db/connector-repository';
import { resealAll } from '../../../src/adapters/db/reseal';
import { connectorSecretContext } from '../../../src/adapters/db/sealed-columns';
import { databaseLanes, printLaneNotice } from '../../support/database-lanes';
import { ALICE_ADMIN, BOB_MEMBER } from '../../support/test-app';
import { assertNoSecretFields, CONNECTOR, ConnectorScenario, errorCode, SERVICE_USER } from './connector-support';

/**
 * The OAuth 1.0a connector through the HTTP API, against the fake Jira Server: settings, key pair, the
 * Application Link, the three-step dance with the browser's return to the callback, test, forget.
 */
for (const lane of databaseLanes()) {
  describe(`Jira connector, OAuth 1.0a through the API (${lane.name})`, function () {
    this.timeout(30_000);
    const s = new ConnectorScenario(lane);
    let callbackUrl: string;

    before(async () => {
      printLaneNotice();
      await s.start();
    });
    after(() => s.stop());

    it('starts unconfigured, with the Application Link values but no key', async () => {
      const view = await s.view();
      assert.equal(view.status, 'unconfigured');
      assert.equal(view.authType, null);
      assert.equal(view.publicKeyPem, null);
      assert.equal(view.tokenExpiresAt, null);
      assert.equal(view.applicationLink.consumerCallbackUrl, `${s.app.baseUrl}/connector/oauth/callback`);
      assert.equal(view.applicationLink.applicationUrl, s.app.baseUrl);
      assert.match(view.applicationLink.consumerName, /^Twofold \(/);
    });

    it('is for Jira admins only', async () => {
      const response = await s.call('GET', CONNECTOR, undefined, BOB_MEMBER.accountId);
      assert.equal(response.status, 403);
      assert.equal(errorCode(response), 'not_admin');
      assert.equal((await s.app.request('GET', CONNECTOR)).status, 401);
    });

    it('refuses plain http to another host (insecure_url), a consumer key with spaces (invalid_consumer_key) and other bad fields (invalid_request)', async () => {
      const http = await s.call('PUT', CONNECTOR, { baseUrl: 'http://jira.example.com/jira', authType: 'oauth1', consumerKey: 'twofold' });
      assert.equal(http.status, 400);
      assert.equal(errorCode(http), 'insecure_url');
      const key = await s.call('PUT', CONNECTOR, { baseUrl: 'https://jira.example.com', authType: 'oauth1', consumerKey: 'my twofold!' });
      assert.equal(key.status, 400);
      assert.equal(errorCode(key), 'invalid_consumer_key');
      const type = await s.call('PUT', CONNECTOR, { baseUrl: 'https://jira.example.com', authType: 'kerberos' });
      assert.equal(type.status, 400);
      assert.equal(errorCode(type), 'invalid_request');
      assert.deepEqual(
        type.json().error.details.fields.map((f: { field: string }) => f.field),
        ['authType'],
      );
      const query = await s.call('PUT', CONNECTOR, { baseUrl: 'https://jira.example.com/?x=1', authType: 'oauth1', consumerKey: 'twofold' });
      assert.equal(errorCode(query), 'invalid_request');
      assert.equal((await s.view()).status, 'unconfigured', 'nothing was saved');
    });

    it('saves the settings, keeping the context path and dropping a trailing slash', async () => {
      const saved = await s.call('PUT', CONNECTOR, { baseUrl: `${s.jira.baseUrl}/`, authType: 'oauth1', consumerKey: 'twofold' });
      assert.equal(saved.status, 200, saved.text);
      const view = saved.json();
      assert.equal(view.baseUrl, s.jira.baseUrl);
      assert.ok(view.baseUrl.endsWith('/jira'));
      assert.equal(view.consumerKey, 'twofold');
      assert.equal(view.status, 'unconfigured', 'no key pair yet');
      assert.equal(view.consumerKey, 'twofold');
      assert.equal('consumerKey' in view.applicationLink, false, "the Application Link's Consumer Key is the top-level consumerKey");
    });

    it('generates a 2048-bit key pair and shows its public key as PEM and as the bare base64 Jira takes', async () => {
      const response = await s.call('POST', `${CONNECTOR}/keys`);
      assert.equal(response.status, 201, response.text);
      const keys = response.json();
      assert.match(keys.publicKeyPem, /^-----BEGIN PUBLIC KEY-----\n/);
      const key = createPublicKey(keys.publicKeyPem);
      assert.equal(key.asymmetricKeyType, 'rsa');
      assert.ok(key.asymmetricKeyDetails!.modulusLength! >= 2048);
      assert.equal(keys.publicKeyBase64, key.export({ type: 'spki', format: 'der' }).toString('base64'));
      assertNoSecretFields(keys);

      const view = await s.view();
      assert.equal(view.status, 'awaiting_authorization');
      assert.equal(view.publicKeyPem, keys.publicKeyPem);
      assert.equal(view.publicKeyBase64, keys.publicKeyBase64);
      assert.equal('publicKey' in view.applicationLink, false, "the Application Link's Public Key is the top-level publicKeyBase64");
      assert.match(view.publicKeyFingerprint, /^SHA256:/);
      assertNoSecretFields(view);
      assert.doesNotMatch(JSON.stringify(view), /PRIVATE KEY/);
    });

    it('runs the dance: request token, Allow in the browser, the callback, access token, and says who Twofold acts as', async () => {
      s.jira.addConsumer('twofold', (await s.view()).publicKeyBase64);
      const authorizeUrl = await s.startAuthorization();
      assert.ok(authorizeUrl.startsWith(`${s.jira.baseUrl}/plugins/servlet/oauth/authorize?oauth_token=`));
      const pending = await s.view();
      assert.equal(pending.authorization.state, 'pending');
      assert.equal(pending.authorization.mode, 'callback');

      callbackUrl = await s.decide(authorizeUrl, 'allow');
      const back = new URL(callbackUrl);
      assert.equal(`${back.origin}${back.pathname}`, `${s.app.baseUrl}/connector/oauth/callback`);
      assert.match(back.searchParams.get('state')!, /^[A-Za-z0-9_-]{43}$/);

      const page = await s.followCallback(callbackUrl);
      assert.equal(page.status, 200, page.html);
      assert.match(page.html, /Authorization complete/);
      assert.equal(page.message, `Twofold now acts in Jira as ${SERVICE_USER.displayName} (${SERVICE_USER.name}).`);

      const view = await s.view();
      assert.equal(view.status, 'connected');
      assert.equal(view.authorizedBy, ALICE_ADMIN.accountId);
      assert.equal(view.authorization.state, 'completed');
      const expiresIn = Date.parse(view.tokenExpiresAt) - Date.now();
      assert.ok(Math.abs(expiresIn - 157_680_000_000) < 60_000, 'oauth_expires_in: 5 years');
      assert.equal(view.tokenExpiresSoon, false);
      assert.deepEqual(view.lastTest.user, { name: SERVICE_USER.name, displayName: SERVICE_USER.displayName });
      assert.match(view.statusMessage, /Twofold Service \(svc-twofold\)/);
      assertNoSecretFields(view);
    });

    it('tests the connection: /rest/api/2/myself as the connector', async () => {
      const before = s.jiraCalls('/rest/api/2/myself');
      const response = await s.call('POST', `${CONNECTOR}/test`);
      assert.equal(response.status, 200, response.text);
      assert.deepEqual(response.json(), {
        ok: true,
        user: { name: SERVICE_USER.name, displayName: SERVICE_USER.displayName, key: SERVICE_USER.key, emailAddress: 'svc-twofold@example.com' },
      });
      assert.equal(s.jiraCalls('/rest/api/2/myself'), before + 1);
      assert.equal(s.jira.requests.at(-1)!.auth, 'oauth');
    });

    it('hands out a JiraServerClient for rollout and sync: group members with paging, user properties', async () => {
      const client = await s.app.twofold.connector.service.clientFor(s.app.host.clientKey);
      const page = await client.groupMembers('jira-users');
      assert.deepEqual(
        page.items.map((u) => u.name),
        ['svc-twofold', 'bob'],
      );
      await client.setUserProperty({ username: 'bob' }, 'twofold-id', { twoFactorId: 'bob', enrolled: true });
      assert.deepEqual(await client.getUserProperty({ key: 'JIRAUSER10001' }, 'twofold-id'), { twoFactorId: 'bob', enrolled: true });
    });

    it('refuses the callback when it is replayed, and changes nothing', async () => {
      const exchanges = s.jiraCalls('/oauth/access-token');
      const before = await s.view();
      const replay = await s.followCallback(callbackUrl);
      assert.equal(replay.status, 400);
      assert.match(replay.html, /already used/);
      assert.deepEqual([replay.code, replay.outcome], ['authorization_state_invalid', 'replayed']);
      assert.equal(s.jiraCalls('/oauth/access-token'), exchanges, 'no second exchange reached Jira');
      const after = await s.view();
      assert.equal(after.status, 'connected');
      assert.equal(after.authorizedAt, before.authorizedAt);
    });

    it('keeps no private key, token, token secret or request token secret in the database in clear, and seals them per tenant', async () => {
      const text = await s.databaseText();
      const [issued] = s.jira.issuedAccessTokens();
      assert.ok(issued);
      assert.ok(!text.includes(issued.token), 'access token');
      assert.ok(!text.includes(issued.secret), 'access token secret');
      for (const requestToken of s.jira.issuedRequestTokens()) assert.ok(!text.includes(requestToken.secret), 'request token secret');
      assert.doesNotMatch(text, /PRIVATE KEY/);

      // The sealed value is the private key, and it opens only for this tenant's connector row.
      const { sequelize } = s.app.twofold.database;
      const [row] = (await sequelize.query('SELECT private_key_sealed FROM connectors')) as [Array<{ private_key_sealed: string }>, unknown];
      const box = new AesGcmSecretBox(s.app.twofold.config.masterKeys.current);
      const privateKeyPem = box.open(row[0]!.private_key_sealed, connectorSecretContext(s.app.host.clientKey, 'private_key_sealed'));
      assert.match(privateKeyPem, /PRIVATE KEY/);
      const body = privateKeyPem.split('\n').slice(1, 4).join('');
      assert.ok(!text.includes(body), 'no part of the private key in clear');
      assert.throws(() => box.open(row[0]!.private_key_sealed, connectorSecretContext('another-tenant', 'private_key_sealed')));
    });

    it('audits configure, key generated, authorized and test', async () => {
      const entries = await s.audit();
      const actions = entries.map((e) => e.action);
      for (const action of ['connector.configured', 'connector.key_generated', 'connector.authorized', 'connector.tested']) {
        assert.ok(actions.includes(action), `${action} in ${actions.join(', ')}`);
      }
      const authorized = entries.find((e) => e.action === 'connector.authorized')!;
      assert.equal(authorized.actorAccountId, ALICE_ADMIN.accountId);
      assert.equal(authorized.detail.mode, 'callback');
      assert.doesNotMatch(JSON.stringify(entries), /PRIVATE KEY|oauth_token_secret/);
    });

    it('forgets the token on request: 204, awaiting authorization, no client any more', async () => {
      const response = await s.call('DELETE', `${CONNECTOR}/token`);
      assert.equal(response.status, 204);
      const view = await s.view();
      assert.equal(view.status, 'awaiting_authorization');
      assert.equal(view.tokenExpiresAt, null);
      const before = s.jira.requests.length;
      const test = await s.call('POST', `${CONNECTOR}/test`);
      assert.equal(test.status, 409);
      assert.equal(errorCode(test), 'connector_not_configured');
      assert.equal(s.jira.requests.length, before, 'nothing sent to Jira');
      assert.ok((await s.audit()).some((e) => e.action === 'connector.token_forgotten'));

      // Nothing left to forget: still 204, but no write and no second audit entry.
      const again = await s.call('DELETE', `${CONNECTOR}/token`);
      assert.equal(again.status, 204);
      assert.equal((await s.audit()).filter((e) => e.action === 'connector.token_forgotten').length, 1);
      assert.equal((await s.view()).updatedAt, view.updatedAt);
    });

    it('the oob fallback: Jira shows a verifier, the admin pastes it', async () => {
      const authorizeUrl = await s.startAuthorization({ callback: 'oob' });
      const token = new URL(authorizeUrl).searchParams.get('oauth_token')!;
      const page = await fetch(authorizeUrl.split('?')[0]!, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ oauth_token: token, decision: 'allow' }).toString(),
      });
      const verifier = /<code id="verifier">([^<]+)<\/code>/.exec(await page.text())![1]!;
      const bob = await s.call('POST', `${CONNECTOR}/verifier`, { verifier }, BOB_MEMBER.accountId);
      assert.equal(bob.status, 403, 'another user cannot complete it');
      const done = await s.call('POST', `${CONNECTOR}/verifier`, { verifier: `  ${verifier}\n` });
      assert.equal(done.status, 200, done.text);
      assert.equal(done.json().status, 'connected');
      assert.equal(done.json().authorization.mode, 'oob');
      const again = await s.call('POST', `${CONNECTOR}/verifier`, { verifier });
      assert.equal(again.status, 400);
      assert.equal(errorCode(again), 'authorization_state_invalid');
    });

    it('a wrong oob verifier ends the attempt (502 from Jira), and the next paste is refused', async () => {
      await s.startAuthorization({ callback: 'oob' });
      const wrong = await s.call('POST', `${CONNECTOR}/verifier`, { verifier: 'not-the-verifier' });
      assert.equal(wrong.status, 502);
      assert.equal(errorCode(wrong), 'permission_unknown');
      const view = await s.view();
      assert.equal(view.authorization.state, 'failed');
      assert.equal(view.status, 'connected', 'the earlier token still works');
      const again = await s.call('POST', `${CONNECTOR}/verifier`, { verifier: 'anything' });
      assert.equal(errorCode(again), 'authorization_state_invalid');
    });

    it("master key rotation (npm run rotate-master-key) re-seals the connector's secrets under the contexts the repository uses (last: it changes the key)", async () => {
      const { database, config, logger } = s.app.twofold;
      const newKey = randomBytes(32);
      const results = await resealAll(database, new AesGcmSecretBox(newKey, [config.masterKeys.current]), logger);
      const connectorColumns = results.filter((r) => r.table === 'connectors');
      assert.deepEqual(connectorColumns.map((r) => r.column).sort(), [
        'access_token_sealed',
        'basic_secret_sealed',
        'private_key_sealed',
        'token_secret_sealed',
      ]);
      assert.equal(
        connectorColumns.reduce((sum, r) => sum + r.resealed, 0),
        3,
        'private key, access token, token secret',
      );
      const loaded = await new SequelizeConnectorRepository(database.sequelize, new AesGcmSecretBox(newKey)).findWithSecrets(s.app.host.clientKey);
      assert.match(loaded!.secrets.privateKeyPem!, /PRIVATE KEY/);
      const issued = s.jira.issuedAccessTokens().at(-1)!;
      assert.equal(loaded!.secrets.accessToken, issued.token);
      assert.equal(loaded!.secrets.tokenSecret, issued.secret);
    });
  });
}
