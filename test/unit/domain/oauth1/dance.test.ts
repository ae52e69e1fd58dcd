import assert from 'node:assert/strict';
import { FixedClock } from '../../../../src/domain/ports/clock';
import {
  buildAccessTokenRequest,
  buildAuthorizeUrl,
  buildRequestTokenRequest,
  isOAuth1Error,
  jiraServerEndpoints,
  parseAccessTokenResponse,
  parseAuthorizationCallback,
  parseOAuthParams,
  parseRequestTokenResponse,
  type ClientCredentials,
} from '../../../../src/domain/oauth1';
import rsaCase from '../../../vectors/oauth-rsa-sha1.json';

const clock = new FixedClock(new Date('2026-01-01T00:00:00Z'));
const random = { bytes: (n: number) => Buffer.alloc(n, 0x5a) };
const client: ClientCredentials = { consumerKey: 'twofold', signatureMethod: 'RSA-SHA1', privateKeyPem: rsaCase.privateKeyPem };
const endpoints = jiraServerEndpoints('https://jira.example.com/jira/');

describe('Jira Server endpoints', () => {
  it('keeps the context path and drops the trailing slash', () => {
    assert.deepEqual(endpoints, {
      requestTokenUrl: 'https://jira.example.com/jira/plugins/servlet/oauth/request-token',
      authorizeUrl: 'https://jira.example.com/jira/plugins/servlet/oauth/authorize',
      accessTokenUrl: 'https://jira.example.com/jira/plugins/servlet/oauth/access-token',
    });
  });

  it('refuses a base URL with a query', () => {
    assert.throws(() => jiraServerEndpoints('https://jira.example.com/?x=1'), { code: 'invalid_request' });
  });
});

describe('step 1: request token (RFC 5849 §2.1)', () => {
  it('POSTs to request-token with oauth_callback in the header only', () => {
    const request = buildRequestTokenRequest({ endpoints, client, callback: 'https://twofold.example/connector/oauth/callback?s=1', clock, random });
    assert.equal(request.method, 'POST');
    assert.equal(request.url, endpoints.requestTokenUrl);
    assert.equal(request.body, undefined);
    const params = parseOAuthParams(request.headers['Authorization']!)!;
    assert.equal(params.get('oauth_callback'), 'https://twofold.example/connector/oauth/callback?s=1');
    assert.equal(params.get('oauth_signature_method'), 'RSA-SHA1');
    assert.equal(params.get('oauth_timestamp'), String(Date.parse('2026-01-01T00:00:00Z') / 1000));
    assert.equal(params.get('oauth_nonce'), '5a'.repeat(16));
    assert.equal(params.has('oauth_token'), false);
  });

  it('accepts oob and refuses a relative callback', () => {
    assert.doesNotThrow(() => buildRequestTokenRequest({ endpoints, client, callback: 'oob', clock, random }));
    assert.throws(() => buildRequestTokenRequest({ endpoints, client, callback: '/relative', clock, random }), TypeError);
  });

  it('refuses an answer without oauth_callback_confirmed=true', () => {
    const result = parseRequestTokenResponse(200, {}, 'oauth_token=t&oauth_token_secret=s');
    assert.ok(isOAuth1Error(result));
    assert.equal(result.code, 'upstream_error');
  });

  it("turns Jira's problem into a typed error", () => {
    const result = parseRequestTokenResponse(401, {}, 'oauth_problem=consumer_key_unknown', { consumerKey: 'twofold' });
    assert.ok(isOAuth1Error(result));
    assert.equal(result.code, 'consumer_key_unknown');
  });
});

describe('step 2: authorization (RFC 5849 §2.2)', () => {
  it('builds the authorize URL with the token encoded', () => {
    assert.equal(buildAuthorizeUrl(endpoints, 'a b+c'), `${endpoints.authorizeUrl}?oauth_token=a+b%2Bc`);
  });

  it('reads a callback, and refuses one for another token or without verifier', () => {
    assert.deepEqual(parseAuthorizationCallback({ oauth_token: 'rt', oauth_verifier: 'v' }, 'rt'), { token: 'rt', verifier: 'v' });
    const forged = parseAuthorizationCallback({ oauth_token: 'other', oauth_verifier: 'v' }, 'rt');
    assert.ok(isOAuth1Error(forged) && forged.code === 'authorization_state_invalid');
    const noVerifier = parseAuthorizationCallback({ oauth_token: 'rt' }, 'rt');
    assert.ok(isOAuth1Error(noVerifier) && noVerifier.code === 'authorization_state_invalid');
  });

  it('trims the verifier, and takes one of blanks for none (it must not reach step 3)', () => {
    assert.deepEqual(parseAuthorizationCallback({ oauth_token: 'rt', oauth_verifier: ' v \n' }, 'rt'), { token: 'rt', verifier: 'v' });
    const blank = parseAuthorizationCallback(new URLSearchParams('oauth_token=rt&oauth_verifier=+%20%09'), 'rt');
    assert.ok(isOAuth1Error(blank) && blank.code === 'authorization_state_invalid');
  });

  it('turns Deny into permission_denied, however the server says it', () => {
    for (const query of [new URLSearchParams('oauth_token=rt&oauth_problem=permission_denied'), new URLSearchParams('oauth_token=rt&oauth_verifier=denied')]) {
      const result = parseAuthorizationCallback(query, 'rt');
      assert.ok(isOAuth1Error(result));
      assert.equal(result.code, 'permission_denied');
    }
  });
});

describe('step 3: access token (RFC 5849 §2.3)', () => {
  it('POSTs with the request token and the trimmed verifier', () => {
    const request = buildAccessTokenRequest({ endpoints, client, requestToken: { token: 'rt', tokenSecret: 'rs' }, verifier: ' v1 \n', clock, random });
    const params = parseOAuthParams(request.headers['Authorization']!)!;
    assert.equal(request.url, endpoints.accessTokenUrl);
    assert.equal(params.get('oauth_token'), 'rt');
    assert.equal(params.get('oauth_verifier'), 'v1');
  });

  it('computes tokenExpiresAt from oauth_expires_in and the injected clock (Jira: 5 years), and keeps no session handle', () => {
    const body = 'oauth_token=at&oauth_token_secret=as&oauth_expires_in=157680000&oauth_session_handle=sh&oauth_authorization_expires_in=160704000';
    const result = parseAccessTokenResponse(200, {}, body, { clock });
    assert.ok(!isOAuth1Error(result));
    // Twofold does not renew tokens with the OAuth Session extension: its secret-like handle is not kept.
    assert.deepEqual(result, { token: 'at', tokenSecret: 'as', tokenExpiresAt: new Date('2030-12-31T00:00:00.000Z') });
    assert.doesNotMatch(JSON.stringify(result), /"sh"/);
  });

  it('reads a Retry-After given as an HTTP-date from the injected clock', () => {
    const result = parseAccessTokenResponse(503, { 'retry-after': 'Thu, 01 Jan 2026 00:02:00 GMT' }, '', { clock, url: endpoints.accessTokenUrl });
    assert.ok(isOAuth1Error(result));
    assert.equal(result.code, 'upstream_error');
    assert.equal(result.retryAfterSeconds, 120);
    assert.deepEqual(result.details, { status: 503 });
  });

  it('reads permission_unknown when the token was not approved', () => {
    const result = parseAccessTokenResponse(401, { 'www-authenticate': 'OAuth oauth_problem="permission_unknown"' }, '', { clock });
    assert.ok(isOAuth1Error(result) && result.code === 'permission_unknown');
  });
});
