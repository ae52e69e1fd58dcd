import assert from 'node:assert/strict';
import { sign } from 'node:crypto';
import OAuth from 'oauth-1.0a';
import { FakeJiraServer } from '../../../support/fake-jira-server';
import { consumerKeys, otherKeys } from './keys';

/**
 * The fake is tested with a signer that is not ours (the oauth-1.0a package with node:crypto RSA-SHA1),
 * so that the fake and src/domain/oauth1 check each other rather than share a mistake.
 */
function signer(privateKeyPem: string): OAuth {
  return new OAuth({
    consumer: { key: 'twofold', secret: '' },
    signature_method: 'RSA-SHA1',
    hash_function: (base) => sign('sha1', Buffer.from(base), privateKeyPem).toString('base64'),
  });
}

function oauthHeader(oauth: OAuth, method: string, url: string, token?: OAuth.Token, extra: Record<string, string> = {}): string {
  const data = oauth.authorize({ url, method, data: { ...extra } }, token);
  return oauth.toHeader({ ...data, ...extra }).Authorization;
}

const form = async (response: Response): Promise<URLSearchParams> => new URLSearchParams(await response.text());

describe('FakeJiraServer (driven by an independent OAuth signer)', () => {
  let jira: FakeJiraServer;
  const oauth = signer(consumerKeys.privateKeyPem);

  beforeEach(async () => {
    jira = await FakeJiraServer.start({
      consumers: [{ consumerKey: 'twofold', publicKeyPem: consumerKeys.publicKeyPem }],
      users: [
        { key: 'JIRAUSER10000', name: 'admin', displayName: 'Ada Admin', password: 'secret', admin: true },
        { key: 'JIRAUSER10001', name: 'bob', displayName: 'Bob' },
        { key: 'JIRAUSER10002', name: 'carol', displayName: 'Carol' },
      ],
      groups: { 'jira-users': ['admin', 'bob', 'carol'] },
    });
  });
  afterEach(() => jira.close());

  async function dance(): Promise<OAuth.Token> {
    const requestTokenUrl = `${jira.baseUrl}/plugins/servlet/oauth/request-token`;
    const step1 = await fetch(requestTokenUrl, {
      method: 'POST',
      headers: { Authorization: oauthHeader(oauth, 'POST', requestTokenUrl, undefined, { oauth_callback: 'https://twofold.test/cb' }) },
    });
    assert.equal(step1.status, 200);
    const temporary = await form(step1);
    assert.equal(temporary.get('oauth_callback_confirmed'), 'true');

    const page = await fetch(`${jira.baseUrl}/plugins/servlet/oauth/authorize?oauth_token=${temporary.get('oauth_token')}`);
    assert.match(await page.text(), /id="allow"[\s\S]*id="deny"/);
    const decision = await fetch(`${jira.baseUrl}/plugins/servlet/oauth/authorize`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: `oauth_token=${temporary.get('oauth_token')}&decision=allow`,
      redirect: 'manual',
    });
    assert.equal(decision.status, 302);
    const callback = new URL(decision.headers.get('location')!);
    assert.equal(callback.origin + callback.pathname, 'https://twofold.test/cb');

    const accessTokenUrl = `${jira.baseUrl}/plugins/servlet/oauth/access-token`;
    const requestToken = { key: temporary.get('oauth_token')!, secret: temporary.get('oauth_token_secret')! };
    const step3 = await fetch(accessTokenUrl, {
      method: 'POST',
      headers: { Authorization: oauthHeader(oauth, 'POST', accessTokenUrl, requestToken, { oauth_verifier: callback.searchParams.get('oauth_verifier')! }) },
    });
    assert.equal(step3.status, 200);
    const access = await form(step3);
    assert.equal(access.get('oauth_expires_in'), '157680000');
    return { key: access.get('oauth_token')!, secret: access.get('oauth_token_secret')! };
  }

  it('runs the three-step dance and answers /myself for the user who allowed it', async () => {
    const token = await dance();
    const url = `${jira.baseUrl}/rest/api/2/myself`;
    const response = await fetch(url, { headers: { Authorization: oauthHeader(oauth, 'GET', url, token) } });
    assert.equal(response.status, 200);
    assert.equal(((await response.json()) as { name: string }).name, 'admin');
  });

  it('verifies signatures that cover a query string', async () => {
    const token = await dance();
    const url = `${jira.baseUrl}/rest/api/2/group/member?groupname=jira-users&startAt=1&maxResults=1`;
    const response = await fetch(url, { headers: { Authorization: oauthHeader(oauth, 'GET', url, token) } });
    const page = (await response.json()) as { values: Array<{ name: string }>; isLast: boolean; total: number };
    assert.deepEqual([page.values.map((u) => u.name), page.isLast, page.total], [['bob'], false, 3]);
  });

  it('answers signature_invalid like Jira: challenge, form body and its own base string', async () => {
    const token = await dance();
    const url = `${jira.baseUrl}/rest/api/2/myself`;
    const response = await fetch(url, { headers: { Authorization: oauthHeader(signer(otherKeys.privateKeyPem), 'GET', url, token) } });
    assert.equal(response.status, 401);
    assert.match(response.headers.get('www-authenticate')!, /^OAuth realm="http%3A%2F%2F127\.0\.0\.1%3A\d+%2Fjira", oauth_problem="signature_invalid"/);
    const body = await form(response);
    assert.match(body.get('oauth_signature_base_string')!, /^GET&http%3A%2F%2F127\.0\.0\.1%3A\d+%2Fjira%2Frest%2Fapi%2F2%2Fmyself&/);
  });

  it('refuses a replayed nonce, a skewed timestamp and a revoked token', async () => {
    const token = await dance();
    const url = `${jira.baseUrl}/rest/api/2/myself`;
    const header = oauthHeader(oauth, 'GET', url, token);
    assert.equal((await fetch(url, { headers: { Authorization: header } })).status, 200);
    const replay = await fetch(url, { headers: { Authorization: header } });
    assert.match(replay.headers.get('www-authenticate')!, /oauth_problem="nonce_used"/);

    jira.clockSkewSeconds = 600;
    const skewed = await fetch(url, { headers: { Authorization: oauthHeader(oauth, 'GET', url, token) } });
    assert.equal((await form(skewed)).get('oauth_problem'), 'timestamp_refused');
    jira.clockSkewSeconds = 0;

    jira.revokeToken(token.key);
    const revoked = await fetch(url, { headers: { Authorization: oauthHeader(oauth, 'GET', url, token) } });
    assert.equal(revoked.status, 401);
    assert.equal((await form(revoked)).get('oauth_problem'), 'token_rejected');
  });

  it('knows only its consumers', async () => {
    const url = `${jira.baseUrl}/plugins/servlet/oauth/request-token`;
    const stranger = new OAuth({ consumer: { key: 'stranger', secret: '' }, signature_method: 'RSA-SHA1', hash_function: () => 'x' });
    const response = await fetch(url, { method: 'POST', headers: { Authorization: oauthHeader(stranger, 'POST', url, undefined, { oauth_callback: 'oob' }) } });
    assert.equal((await form(response)).get('oauth_problem'), 'consumer_key_unknown');
  });

  it('takes Basic auth, and demands a CAPTCHA after three failed logins', async () => {
    const basic = (password: string): string => `Basic ${Buffer.from(`admin:${password}`).toString('base64')}`;
    const url = `${jira.baseUrl}/rest/api/2/myself`;
    assert.equal((await fetch(url, { headers: { Authorization: basic('secret') } })).status, 200);
    for (let i = 0; i < 3; i++) assert.equal((await fetch(url, { headers: { Authorization: basic('wrong') } })).status, 401);
    const locked = await fetch(url, { headers: { Authorization: basic('secret') } });
    assert.equal(locked.status, 403);
    assert.match(locked.headers.get('x-authentication-denied-reason')!, /^CAPTCHA_CHALLENGE/);
    assert.equal(jira.failedLogins('admin'), 3);
  });

  it('stores user properties by key or username, and answers queued failures first', async () => {
    const basic = `Basic ${Buffer.from('admin:secret').toString('base64')}`;
    const url = `${jira.baseUrl}/rest/api/2/user/properties/twofold.id?username=bob`;
    const put = await fetch(url, { method: 'PUT', headers: { Authorization: basic, 'Content-Type': 'application/json' }, body: '{"id":"b-1"}' });
    assert.equal(put.status, 201);
    jira.enqueue('/user/properties/twofold.id', { status: 503, headers: { 'Retry-After': '1' } });
    assert.equal((await fetch(url, { headers: { Authorization: basic } })).status, 503);
    const get = await fetch(`${jira.baseUrl}/rest/api/2/user/properties/twofold.id?userKey=JIRAUSER10001`, { headers: { Authorization: basic } });
    assert.deepEqual(await get.json(), { key: 'twofold.id', value: { id: 'b-1' } });
    assert.deepEqual(
      jira.requests.map((r) => [r.method, r.status]),
      [
        ['PUT', 201],
        ['GET', 503],
        ['GET', 200],
      ],
    );
  });

  it('sends the browser back with oauth_problem=permission_denied on Deny', async () => {
    const url = `${jira.baseUrl}/plugins/servlet/oauth/request-token`;
    const step1 = await form(
      await fetch(url, {
        method: 'POST',
        headers: { Authorization: oauthHeader(oauth, 'POST', url, undefined, { oauth_callback: 'https://twofold.test/cb' }) },
      }),
    );
    const decision = await fetch(`${jira.baseUrl}/plugins/servlet/oauth/authorize`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: `oauth_token=${step1.get('oauth_token')}&decision=deny`,
      redirect: 'manual',
    });
    assert.equal(new URL(decision.headers.get('location')!).searchParams.get('oauth_problem'), 'permission_denied');
  });
});
