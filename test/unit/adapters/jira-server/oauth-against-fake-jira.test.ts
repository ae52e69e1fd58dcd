import assert from 'node:assert/strict';
import type { UpstreamDetails } from '../../../../src/domain/errors';
import { isOAuth1Error, parseAuthorizationCallback } from '../../../../src/domain/oauth1';
import { FixedClock } from '../../../../src/domain/ports/clock';
import { browserDecides, CALLBACK, FakeJiraFixture, rejectsWith } from './fake-jira-fixture';
import { consumerKeys, otherKeys } from './keys';

describe('Jira Server connector, OAuth 1.0a (RSA-SHA1), against the fake Jira Server', () => {
  const f = new FakeJiraFixture();
  beforeEach(() => f.start());
  afterEach(() => f.stop());

  it('request token → authorize (Allow) → access token → myself', async () => {
    const clock = new FixedClock(new Date());
    const dance = f.dance({ clock });
    const { requestToken, authorizeUrl } = await dance.requestToken(CALLBACK);
    assert.ok(authorizeUrl.startsWith(`${f.jira.baseUrl}/plugins/servlet/oauth/authorize?oauth_token=`));
    const back = await browserDecides(authorizeUrl, 'allow');
    assert.equal(`${back.origin}${back.pathname}`, CALLBACK);
    const callback = parseAuthorizationCallback(back.searchParams, requestToken.token);
    assert.ok(!isOAuth1Error(callback));
    const access = await dance.accessToken(requestToken, callback.verifier);
    assert.equal(access.tokenExpiresAt?.getTime(), clock.now().getTime() + 157_680_000_000);

    const connector = f.client({
      type: 'oauth1',
      consumerKey: 'twofold',
      privateKeyPem: consumerKeys.privateKeyPem,
      accessToken: access.token,
      tokenSecret: access.tokenSecret,
    });
    assert.deepEqual(await connector.myself(), {
      key: 'JIRAUSER10000',
      name: 'svc-twofold',
      displayName: 'Twofold Service',
      emailAddress: 'svc-twofold@example.com',
      active: true,
    });
    assert.deepEqual(
      f.jira.requests.map((r) => r.auth),
      ['oauth', 'none', 'none', 'oauth', 'oauth'],
    );
  });

  it("the oob variant: the verifier is shown on Jira's page and pasted by the admin", async () => {
    const dance = f.dance();
    const { requestToken, authorizeUrl } = await dance.requestToken('oob');
    const page = await fetch(authorizeUrl.split('?')[0]!, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: `oauth_token=${requestToken.token}&decision=allow`,
    });
    const verifier = /<code id="verifier">([^<]+)<\/code>/.exec(await page.text())![1]!;
    const access = await dance.accessToken(requestToken, `  ${verifier}\n`);
    assert.equal(access.tokenSecret.length > 0, true);
  });

  it('reports Deny as permission_denied, and an unapproved exchange as permission_unknown', async () => {
    const dance = f.dance();
    const first = await dance.requestToken(CALLBACK);
    const denied = parseAuthorizationCallback((await browserDecides(first.authorizeUrl, 'deny')).searchParams, first.requestToken.token);
    assert.ok(isOAuth1Error(denied) && denied.code === 'permission_denied');
    const second = await dance.requestToken('oob');
    await rejectsWith(dance.accessToken(second.requestToken, 'guess'), 'permission_unknown');
  });

  it('refuses a request token exchanged twice (token_used → token_rejected)', async () => {
    const dance = f.dance();
    const { requestToken, authorizeUrl } = await dance.requestToken(CALLBACK);
    const verifier = (await browserDecides(authorizeUrl, 'allow')).searchParams.get('oauth_verifier')!;
    await dance.accessToken(requestToken, verifier);
    const error = await rejectsWith(dance.accessToken(requestToken, verifier), 'token_rejected');
    assert.equal(error.problem, 'token_used');
  });

  it('a wrong private key gives signature_invalid, without retry and without the rejection callback', async () => {
    const credentials = await f.authorize();
    const before = f.jira.requests.length;
    const error = await rejectsWith(f.client({ ...credentials, privateKeyPem: otherKeys.privateKeyPem }).myself(), 'signature_invalid');
    assert.equal((error as { details?: UpstreamDetails }).details?.problem, 'signature_invalid');
    assert.equal(f.jira.requests.length - before, 1);
    assert.deepEqual(f.rejections, []);
    await rejectsWith(f.dance({ privateKeyPem: otherKeys.privateKeyPem }).requestToken(CALLBACK), 'signature_invalid');
  });

  it('a base URL that Jira does not see as its own gives signature_invalid naming both addresses', async () => {
    await f.stop();
    await f.start({ baseUrlSeenByJira: 'https://jira.internal.example:8443/jira' });
    const error = await rejectsWith(f.dance().requestToken(CALLBACK), 'signature_invalid');
    const details = (error as { details?: UpstreamDetails }).details;
    assert.equal(details?.jiraSignedUri, 'https://jira.internal.example:8443/jira/plugins/servlet/oauth/request-token');
    assert.match(details?.signedUri ?? '', /^http:\/\/127\.0\.0\.1:\d+\/jira\/plugins\/servlet\/oauth\/request-token$/);
  });

  it('clock skew gives timestamp_refused with the range Jira accepts', async () => {
    const credentials = await f.authorize();
    const skewed = new FixedClock(new Date(Date.now() + 10 * 60_000));
    const error = await rejectsWith(f.client(credentials, skewed).myself(), 'timestamp_refused');
    const range = (error as { details?: UpstreamDetails }).details?.acceptableTimestamps;
    assert.ok(range !== undefined && range.from < range.to, 'the range Jira accepts');
    assert.deepEqual(f.rejections, []);
  });

  it('an unknown consumer key gives consumer_key_unknown', async () => {
    const error = await rejectsWith(f.dance({ consumerKey: 'not-linked' }).requestToken(CALLBACK), 'consumer_key_unknown');
    assert.equal((error as { details?: UpstreamDetails }).details?.problem, 'consumer_key_unknown');
  });

  it('a revoked token: token_rejected, the callback once, no retry, and no further request', async () => {
    const credentials = await f.authorize();
    const connector = f.client(credentials);
    await connector.myself();
    f.jira.revokeToken(credentials.accessToken);
    const before = f.jira.requests.length;
    await rejectsWith(connector.myself(), 'token_rejected');
    await rejectsWith(connector.findUser({ username: 'bob' }), 'connector_needs_reauthorization');
    assert.equal(f.jira.requests.length - before, 1);
    assert.deepEqual(
      f.rejections.map((r) => [r.code, r.problem, r.status]),
      [['token_rejected', 'token_rejected', 401]],
    );
    assert.deepEqual(f.sleeps, []);
  });

  it('concurrent calls that all meet the revoked token report it once', async () => {
    const credentials = await f.authorize();
    f.jira.revokeToken(credentials.accessToken);
    const connector = f.client(credentials);
    const results = await Promise.allSettled([connector.myself(), connector.myself(), connector.myself()]);
    assert.ok(results.every((r) => r.status === 'rejected'));
    assert.equal(f.rejections.length, 1);
  });

  it('signs paths with encoded segments under the context path (property keys with odd characters)', async () => {
    const connector = f.client(await f.authorize());
    const key = 'twofold id/é+1';
    await connector.setUserProperty({ username: 'bob' }, key, { id: 'b-1', synced: true });
    assert.deepEqual(await connector.getUserProperty({ key: 'JIRAUSER10001' }, key), { id: 'b-1', synced: true });
    await connector.deleteUserProperty({ key: 'JIRAUSER10001' }, key);
    assert.equal(await connector.getUserProperty({ key: 'JIRAUSER10001' }, key), null);
    await connector.deleteUserProperty({ key: 'JIRAUSER10001' }, key); // absent: not an error
  });
});
