import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import OAuth from 'oauth-1.0a';
import { FixedClock } from '../../../../src/domain/ports/clock';
import { createProtocolParameters, generateNonce, parseOAuthParams, signRequest, type ClientCredentials } from '../../../../src/domain/oauth1';

const clock = new FixedClock(new Date('2026-03-01T12:00:00.900Z'));

describe('nonce and timestamp (RFC 5849 §3.3)', () => {
  it('takes the nonce from the injected random source and the timestamp from the clock, in whole seconds', () => {
    const seen: number[] = [];
    const random = { bytes: (n: number) => (seen.push(n), Buffer.alloc(n, 1)) };
    const parameters = new Map(createProtocolParameters({ client: { consumerKey: 'k', signatureMethod: 'HMAC-SHA1', consumerSecret: 's' }, clock, random }));
    assert.deepEqual(seen, [16]);
    assert.equal(parameters.get('oauth_nonce'), '01'.repeat(16));
    assert.equal(parameters.get('oauth_timestamp'), String(Math.floor(Date.parse('2026-03-01T12:00:00Z') / 1000)));
    assert.equal(parameters.get('oauth_version'), '1.0');
  });

  it('gives a new nonce per call with a CSPRNG', () => {
    const random = { bytes: (n: number) => randomBytes(n) };
    assert.notEqual(generateNonce(random), generateNonce(random));
  });

  it('refuses extra parameters that are not oauth_* or that would override the standard ones', () => {
    const options = {
      client: { consumerKey: 'k', signatureMethod: 'HMAC-SHA1', consumerSecret: 's' } as ClientCredentials,
      clock,
      random: { bytes: randomBytes },
    };
    assert.throws(() => createProtocolParameters({ ...options, extraParameters: [['callback', 'x']] }), TypeError);
    assert.throws(() => createProtocolParameters({ ...options, extraParameters: [['oauth_nonce', 'x']] }), TypeError);
  });
});

describe('signRequest (RFC 5849 §3.1)', () => {
  it('replaces an Authorization header in any letter case and keeps the others', () => {
    const signed = signRequest(
      { method: 'GET', url: 'https://jira.example.com/rest', headers: { authorization: 'Basic xxx', Accept: 'application/json' } },
      { client: { consumerKey: 'k', signatureMethod: 'HMAC-SHA1', consumerSecret: 's' }, clock, random: { bytes: randomBytes } },
    );
    assert.deepEqual(Object.keys(signed.headers).sort(), ['Accept', 'Authorization']);
    assert.match(signed.headers['Authorization']!, /^OAuth oauth_consumer_key="k", /);
  });

  /**
   * The oauth-1.0a package is correct for a simple request (lower-case host, no default port, no repeated
   * parameter, no `+` in the query); it is used here as an independent check, not in production code,
   * where its Math.random nonces, its un-normalised base URI and its merging of repeated parameters would hurt.
   */
  it('agrees with the oauth-1.0a package on a simple HMAC-SHA1 request', () => {
    const fixed = { bytes: (n: number) => Buffer.alloc(n, 0xc3) };
    const request = { method: 'GET' as const, url: 'https://jira.example.com/jira/rest/api/2/user?username=alice', headers: {} };
    const token = { token: 'at', tokenSecret: 'ts' };
    const ours = parseOAuthParams(
      signRequest(request, { client: { consumerKey: 'k', signatureMethod: 'HMAC-SHA1', consumerSecret: 'cs' }, token, clock, random: fixed }).headers[
        'Authorization'
      ]!,
    )!;

    const oauth = new OAuth({
      consumer: { key: 'k', secret: 'cs' },
      signature_method: 'HMAC-SHA1',
      hash_function: (base, key) => createHmac('sha1', key).update(base).digest('base64'),
    });
    oauth.getNonce = () => ours.get('oauth_nonce')!;
    oauth.getTimeStamp = () => Number(ours.get('oauth_timestamp'));
    const theirs = oauth.authorize({ url: request.url, method: 'GET' }, { key: 'at', secret: 'ts' });
    assert.equal(ours.get('oauth_signature'), theirs.oauth_signature);
  });
});
