import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { databaseLanes, printLaneNotice } from '../../support/database-lanes';
import { CONNECTOR, ConnectorScenario, errorCode } from './connector-support';

const otherPublicKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'pem' }).toString();

/** What goes wrong in the OAuth connector, and what Twofold makes of it. Each case starts from a fresh app. */
for (const lane of databaseLanes()) {
  describe(`Jira connector, OAuth 1.0a failures (${lane.name})`, function () {
    this.timeout(30_000);
    let s: ConnectorScenario;

    beforeEach(async () => {
      printLaneNotice();
      s = new ConnectorScenario(lane);
      await s.start();
    });
    afterEach(() => s.stop());

    it("a public key in Jira that is not Twofold's: signature_invalid, with advice, at step 1", async () => {
      await s.configureOAuth();
      s.jira.addConsumer('twofold', otherPublicKey);
      const response = await s.call('POST', `${CONNECTOR}/authorize`, {});
      assert.equal(response.status, 502);
      assert.equal(errorCode(response), 'signature_invalid');
      assert.equal(response.json().error.details.problem, 'signature_invalid');
      const view = await s.view();
      assert.equal(view.status, 'awaiting_authorization');
      assert.equal(view.authorization, null, 'no attempt was stored');
      const failed = (await s.audit()).find((e) => e.action === 'connector.authorization_failed');
      assert.deepEqual(failed?.detail, { step: 'request_token', errorCode: 'signature_invalid' });
    });

    it('an unknown consumer key: consumer_key_unknown naming the key', async () => {
      await s.configureOAuth('twofold');
      await s.call('PUT', CONNECTOR, { baseUrl: s.jira.baseUrl, authType: 'oauth1', consumerKey: 'not-linked' });
      const response = await s.call('POST', `${CONNECTOR}/authorize`, {});
      assert.equal(response.status, 502);
      assert.equal(errorCode(response), 'consumer_key_unknown');
      assert.equal(response.json().error.details.problem, 'consumer_key_unknown');
    });

    it('a new key pair voids the token, and Jira refuses the new key until the link is updated', async () => {
      await s.configureOAuth();
      assert.equal((await s.authorize()).status, 200);
      assert.equal((await s.view()).status, 'connected');
      const keys = await s.call('POST', `${CONNECTOR}/keys`);
      assert.equal(keys.status, 201);
      const view = await s.view();
      assert.equal(view.status, 'awaiting_authorization');
      assert.equal(view.tokenExpiresAt, null);
      assert.equal(errorCode(await s.call('POST', `${CONNECTOR}/authorize`, {})), 'signature_invalid');
      s.jira.addConsumer('twofold', view.publicKeyBase64);
      assert.equal((await s.authorize()).status, 200);
      const generated = (await s.audit()).find((e) => e.action === 'connector.key_generated' && e.detail.tokenVoided === true);
      assert.ok(generated, 'the audit says the token was voided');
    });

    it('another base URL or consumer key voids the token', async () => {
      await s.configureOAuth();
      await s.authorize();
      const sameAgain = await s.call('PUT', CONNECTOR, { baseUrl: s.jira.baseUrl, authType: 'oauth1', consumerKey: 'twofold' });
      assert.equal(sameAgain.json().status, 'connected', 'saving the same settings changes nothing');
      const renamed = await s.call('PUT', CONNECTOR, { baseUrl: s.jira.baseUrl, authType: 'oauth1', consumerKey: 'twofold-2' });
      assert.equal(renamed.json().status, 'awaiting_authorization');
      s.jira.addConsumer('twofold-2', renamed.json().publicKeyBase64);
      await s.authorize();
      assert.equal((await s.view()).status, 'connected');
      const moved = await s.call('PUT', CONNECTOR, { baseUrl: s.jira.baseUrl.replace('127.0.0.1', 'localhost'), authType: 'oauth1' });
      assert.equal(moved.status, 200, moved.text);
      assert.equal(moved.json().status, 'awaiting_authorization');
      assert.equal(moved.json().consumerKey, 'twofold-2', 'the consumer key is kept when not sent');
    });

    it('a forged state changes nothing and says why', async () => {
      await s.configureOAuth();
      const before = s.jira.requests.length;
      for (const state of ['', 'short', 'A'.repeat(43)]) {
        const page = await s.followCallback(`${s.app.baseUrl}/connector/oauth/callback?state=${state}&oauth_token=x&oauth_verifier=y`);
        assert.equal(page.status, 400);
        assert.match(page.html, /This authorization link is not valid/);
        assert.deepEqual([page.code, page.outcome], ['authorization_state_invalid', 'unknown']);
      }
      assert.equal(s.jira.requests.length, before, 'Jira was not asked');
      assert.equal((await s.view()).status, 'awaiting_authorization');
    });

    it('a real state with another request token is refused and ends the attempt', async () => {
      await s.configureOAuth();
      const callback = new URL(await s.decide(await s.startAuthorization(), 'allow'));
      callback.searchParams.set('oauth_token', 'someone-elses-token');
      const page = await s.followCallback(callback.toString());
      assert.equal(page.status, 400);
      assert.deepEqual([page.code, page.outcome], ['authorization_state_invalid', 'failed']);
      assert.equal(s.jiraCalls('/oauth/access-token'), 0);
      const view = await s.view();
      assert.equal(view.status, 'awaiting_authorization');
      assert.equal(view.authorization.state, 'failed');
    });

    it('a verifier of blanks ends the attempt as failed and audited, without asking Jira (not a 500 with the attempt left claimed)', async () => {
      await s.configureOAuth();
      const callback = new URL(await s.decide(await s.startAuthorization(), 'allow'));
      callback.searchParams.set('oauth_verifier', '   ');
      const page = await s.followCallback(callback.toString());
      assert.equal(page.status, 400, page.html);
      assert.deepEqual([page.code, page.outcome], ['authorization_state_invalid', 'failed']);
      assert.equal(s.jiraCalls('/oauth/access-token'), 0);
      const view = await s.view();
      assert.equal(view.authorization.state, 'failed');
      assert.equal(view.authorization.code, 'authorization_state_invalid');
      const failed = (await s.audit()).find((e) => e.action === 'connector.authorization_failed');
      assert.deepEqual(failed?.detail, { step: 'callback', errorCode: 'authorization_state_invalid' });
    });

    it('an unexpected failure in step 3 (the request token secret does not unseal) ends the attempt as internal_error, audited, and answers 500', async () => {
      await s.configureOAuth();
      const callbackUrl = await s.decide(await s.startAuthorization(), 'allow');
      const { sequelize } = s.app.twofold.database;
      await sequelize.query("UPDATE connector_authorizations SET request_token_secret_sealed = 'v1.tampered'");
      const page = await s.followCallback(callbackUrl);
      assert.equal(page.status, 500);
      assert.doesNotMatch(page.html, /tampered|sealed value/);
      assert.equal(s.jiraCalls('/oauth/access-token'), 0);
      const view = await s.view();
      assert.equal(view.status, 'awaiting_authorization');
      assert.equal(view.authorization.state, 'failed', 'ended, not left in_progress');
      assert.equal(view.authorization.code, 'internal_error');
      const failed = (await s.audit()).find((e) => e.action === 'connector.authorization_failed');
      assert.deepEqual(failed?.detail, { step: 'access_token', errorCode: 'internal_error' });
      assert.doesNotMatch(await s.databaseText(), /v1\.tampered/, 'the request token secret is erased');
      assert.equal((await s.followCallback(callbackUrl)).status, 400, 'and the link is used up');
    });

    it("Jira's 403 on the test is Jira's answer: 502 upstream_error with details.status, never Twofold's own 403", async () => {
      await s.configureOAuth();
      await s.authorize();
      s.jira.enqueue('/rest/api/2/myself', { status: 403, headers: { 'Content-Type': 'application/json' }, body: '{}' });
      const response = await s.call('POST', `${CONNECTOR}/test`);
      assert.equal(response.status, 502, response.text);
      assert.equal(errorCode(response), 'upstream_error');
      assert.equal(response.json().error.details.status, 403);
      assert.equal((await s.view()).status, 'error');
    });

    it('an expired state (after 10 minutes) changes nothing and says so', async () => {
      await s.configureOAuth();
      const callbackUrl = await s.decide(await s.startAuthorization(), 'allow');
      s.clock.offsetMs = 10 * 60_000 + 1_000;
      const page = await s.followCallback(callbackUrl);
      s.clock.offsetMs = 0;
      assert.equal(page.status, 400);
      assert.match(page.html, /This authorization link expired/);
      assert.deepEqual([page.code, page.outcome], ['authorization_state_invalid', 'expired']);
      assert.equal(s.jiraCalls('/oauth/access-token'), 0);
      const view = await s.view();
      assert.equal(view.status, 'awaiting_authorization');
      assert.equal(view.authorization.state, 'expired');
      assert.equal((await s.followCallback(callbackUrl)).status, 400, 'and stays refused');
    });

    it('the same callback twice at once (a double click, two app instances): exactly one completes', async () => {
      await s.configureOAuth();
      const callbackUrl = await s.decide(await s.startAuthorization(), 'allow');
      const pages = await Promise.all([s.followCallback(callbackUrl), s.followCallback(callbackUrl), s.followCallback(callbackUrl)]);
      assert.deepEqual(pages.map((p) => p.status).sort(), [200, 400, 400]);
      assert.equal(s.jiraCalls('/oauth/access-token'), 1);
      assert.equal((await s.view()).status, 'connected');
    });

    it('a newer authorization supersedes an older one', async () => {
      await s.configureOAuth();
      const first = await s.startAuthorization();
      const second = await s.startAuthorization();
      const firstBack = await s.followCallback(await s.decide(first, 'allow'));
      assert.equal(firstBack.status, 400);
      assert.match(firstBack.html, /A newer authorization replaced this one/);
      assert.equal((await s.view()).status, 'awaiting_authorization');
      const secondBack = await s.followCallback(await s.decide(second, 'allow'));
      assert.equal(secondBack.status, 200);
      assert.equal((await s.view()).status, 'connected');
    });

    it('a callback after the settings changed is refused (Jira granted the token to the old consumer)', async () => {
      await s.configureOAuth();
      const callbackUrl = await s.decide(await s.startAuthorization(), 'allow');
      await s.call('POST', `${CONNECTOR}/keys`);
      const page = await s.followCallback(callbackUrl);
      assert.equal(page.status, 400);
      assert.deepEqual([page.code, page.outcome], ['authorization_state_invalid', 'failed']);
      assert.equal((await s.view()).status, 'awaiting_authorization');
    });

    it('Deny in Jira: the page says "authorization was denied", nothing changes', async () => {
      await s.configureOAuth();
      const callbackUrl = await s.decide(await s.startAuthorization(), 'deny');
      assert.equal(new URL(callbackUrl).searchParams.get('oauth_problem'), 'permission_denied');
      const page = await s.followCallback(callbackUrl);
      assert.equal(page.status, 403);
      assert.match(page.html, /<h1>Authorization was denied<\/h1>/);
      assert.deepEqual([page.code, page.outcome], ['permission_denied', 'denied']);
      assert.equal(s.jiraCalls('/oauth/access-token'), 0);
      const view = await s.view();
      assert.equal(view.status, 'awaiting_authorization');
      assert.equal(view.authorization.state, 'denied');
      assert.equal(view.authorization.code, 'permission_denied');
      const failed = (await s.audit()).find((e) => e.action === 'connector.authorization_failed');
      assert.deepEqual(failed?.detail, { step: 'callback', errorCode: 'permission_denied' });
    });

    it('a revoked token: 502 token_rejected once, then needs_reauthorization and no further call reaches Jira', async () => {
      await s.configureOAuth();
      await s.authorize();
      for (const issued of s.jira.issuedAccessTokens()) s.jira.revokeToken(issued.token);
      const first = await s.call('POST', `${CONNECTOR}/test`);
      assert.equal(first.status, 502);
      assert.equal(errorCode(first), 'token_rejected');
      assert.equal(first.json().error.details.problem, 'token_rejected');
      const view = await s.view();
      assert.equal(view.status, 'needs_reauthorization');
      assert.equal(view.problem.code, 'token_rejected');
      assert.equal(view.tokenExpiresAt, null, 'the dead token is erased');

      const seen = s.jira.requests.length;
      const second = await s.call('POST', `${CONNECTOR}/test`);
      assert.equal(second.status, 409);
      assert.equal(errorCode(second), 'connector_needs_reauthorization');
      await assert.rejects(s.app.twofold.connector.service.clientFor(s.app.host.clientKey), { code: 'connector_needs_reauthorization' });
      assert.equal(s.jira.requests.length, seen, 'no retry storm: Jira saw nothing more');

      const rejected = (await s.audit()).find((e) => e.action === 'connector.token_rejected');
      assert.equal(rejected?.actorAccountId, null);
      assert.equal(rejected?.detail.errorCode, 'token_rejected');

      assert.equal((await s.authorize()).status, 200, 'reauthorizing heals it');
      assert.equal((await s.view()).status, 'connected');
      assert.equal((await s.call('POST', `${CONNECTOR}/test`)).status, 200);
    });

    it('a rejection met by a rollout-style client marks the connector too, and that client stops', async () => {
      await s.configureOAuth();
      await s.authorize();
      const client = await s.app.twofold.connector.service.clientFor(s.app.host.clientKey);
      for (const issued of s.jira.issuedAccessTokens()) s.jira.revokeToken(issued.token);
      await assert.rejects(client.groupMembers('jira-users'), { code: 'token_rejected' });
      const seen = s.jira.requests.length;
      await assert.rejects(client.myself(), { code: 'connector_needs_reauthorization' });
      assert.equal(s.jira.requests.length, seen);
      assert.equal((await s.view()).status, 'needs_reauthorization');
    });

    it('clock skew: timestamp_refused with the range Jira accepts and the advice to use NTP; fixed, it connects again', async () => {
      await s.configureOAuth();
      await s.authorize();
      s.jira.clockSkewSeconds = 15 * 60;
      const response = await s.call('POST', `${CONNECTOR}/test`);
      assert.equal(response.status, 502);
      assert.equal(errorCode(response), 'timestamp_refused');
      const message: string = response.json().error.message;
      assert.match(message, /clocks of Twofold's server and Jira's server differ/);
      assert.match(message, /Jira accepts timestamps from \d{4}-\d\d-\d\dT/);
      assert.match(message, /NTP/);
      const view = await s.view();
      assert.equal(view.status, 'error');
      assert.equal(view.problem.code, 'timestamp_refused');
      assert.equal(view.lastTest.ok, false);
      s.jira.clockSkewSeconds = 0;
      assert.equal((await s.call('POST', `${CONNECTOR}/test`)).status, 200);
      assert.equal((await s.view()).status, 'connected');
    });

    it('warns 30 days before the token ends, and needs reauthorization after, without calling Jira', async () => {
      await s.stop();
      s = new ConnectorScenario(lane);
      await s.start({ accessTokenTtlSeconds: 20 * 86_400 });
      await s.configureOAuth();
      await s.authorize();
      const soon = await s.view();
      assert.equal(soon.status, 'connected');
      assert.equal(soon.tokenExpiresSoon, true);
      s.clock.offsetMs = 21 * 86_400_000;
      const expired = await s.view();
      assert.equal(expired.status, 'needs_reauthorization');
      assert.match(expired.statusMessage, /expired on/);
      const seen = s.jira.requests.length;
      assert.equal(errorCode(await s.call('POST', `${CONNECTOR}/test`)), 'connector_needs_reauthorization');
      assert.equal(s.jira.requests.length, seen);
    });

    it('unreachable Jira: 502 unreachable, status error', async () => {
      await s.configureOAuth();
      await s.authorize();
      await s.jira.close();
      const response = await s.call('POST', `${CONNECTOR}/test`);
      assert.equal(response.status, 502);
      assert.equal(errorCode(response), 'unreachable');
      assert.equal((await s.view()).status, 'error');
    });
  });
}
