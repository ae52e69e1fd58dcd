import assert from 'node:assert/strict';
import { createPublicKey, verify } from 'node:crypto';
import { FixedClock } from '../../../../src/domain/ports/clock';
import {
  baseStringUri,
  buildAuthorizeUrl,
  collectRequestParameters,
  computeSignature,
  formatAuthorizationHeader,
  isOAuth1Error,
  normalizeParameters,
  parseAccessTokenResponse,
  parseAuthorizationCallback,
  parseOAuthParams,
  parseRequestTokenResponse,
  percentEncode,
  signatureBaseString,
  signHmacSha1,
  type ClientCredentials,
} from '../../../../src/domain/oauth1';
import rfc5849 from '../../../vectors/rfc5849.json';
import rsaCase from '../../../vectors/oauth-rsa-sha1.json';
import coreAppendixA from '../../../vectors/oauth-core-1.0-appendix-a.json';

type Pairs = Array<[string, string]>;
/** Names control and non-ASCII characters by code point, so that test titles stay readable. */
const visible = (text: string): string =>
  Array.from(text, (c) => (/[\x21-\x7e]/.test(c) ? c : `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`)).join(' ');
const pairs = (value: string[][]): Pairs => value.map(([name, value]) => [name!, value!]);

describe('RFC 5849 vectors', () => {
  describe('§1.2 example (HMAC-SHA1)', () => {
    const { consumerKey, consumerSecret } = rfc5849.section_1_2.clientCredentials;
    const client: ClientCredentials = { consumerKey, signatureMethod: 'HMAC-SHA1', consumerSecret };

    for (const vector of rfc5849.section_1_2.signedRequests) {
      it(`signs the ${vector.name} as printed`, () => {
        const request = { method: vector.method as 'GET' | 'POST', url: vector.url, headers: {} };
        const { signature } = computeSignature(request, pairs(vector.protocolParameters), client, vector.tokenSecret);
        assert.equal(signature, vector.signature);
      });

      it(`formats the ${vector.name}'s Authorization header with the RFC's parameters`, () => {
        const header = formatAuthorizationHeader([...pairs(vector.protocolParameters), ['oauth_signature', vector.signature]], vector.realm);
        assert.deepEqual(parseOAuthParams(header), parseOAuthParams(vector.authorizationHeader));
        assert.equal(header, vector.authorizationHeader, 'same order, same encoding, ", " separators');
      });
    }

    it('parses the temporary and token credentials answers', () => {
      const [initiate, token] = rfc5849.section_1_2.signedRequests;
      const temporary = parseRequestTokenResponse(200, { 'content-type': 'application/x-www-form-urlencoded' }, initiate!.response!.body);
      assert.ok(!isOAuth1Error(temporary));
      assert.deepEqual(temporary, { token: initiate!.response!.token, tokenSecret: initiate!.response!.tokenSecret, callbackConfirmed: true });

      const clock = new FixedClock(new Date('2010-04-01T00:00:00Z'));
      const credentials = parseAccessTokenResponse(200, {}, token!.response!.body, { clock });
      assert.ok(!isOAuth1Error(credentials));
      assert.equal(credentials.token, token!.response!.token);
      assert.equal(credentials.tokenSecret, token!.response!.tokenSecret);
      assert.equal(credentials.tokenExpiresAt, null, 'the RFC server sends no oauth_expires_in');
    });

    it('builds the authorization URL and reads the callback', () => {
      const step = rfc5849.section_1_2.authorization;
      const endpoints = { requestTokenUrl: '', authorizeUrl: 'https://photos.example.net/authorize', accessTokenUrl: '' };
      assert.equal(buildAuthorizeUrl(endpoints, step.token), step.authorizeUrl);
      const callback = parseAuthorizationCallback(new URL(step.callbackUrl).searchParams, step.token);
      assert.deepEqual(callback, { token: step.token, verifier: step.verifier });
    });
  });

  describe('§3.4.1 signature base string example', () => {
    const vector = rfc5849.section_3_4_1;
    const sources = { url: vector.url, headers: vector.headers, body: vector.body, protocolParameters: pairs(vector.protocolParameters) };

    it('collects the decoded parameters of §3.4.1.3.1 (query, header, form body)', () => {
      assert.deepEqual(collectRequestParameters(sources), pairs(vector.decodedParameters));
    });

    it('normalises them as §3.4.1.3.2 prints', () => {
      assert.equal(normalizeParameters(pairs(vector.decodedParameters)), vector.normalizedParameters);
    });

    it('builds the base string of §3.4.1.1', () => {
      assert.equal(signatureBaseString({ method: vector.method, ...sources }), vector.baseString);
    });
  });

  describe('§3.4.1.2 base string URI examples', () => {
    for (const { url, baseStringUri: expected } of rfc5849.section_3_4_1_2.cases) {
      it(`${url} → ${expected}`, () => assert.equal(baseStringUri(url), expected));
    }
  });

  describe('§3.6 percent encoding', () => {
    for (const [input, expected] of rfc5849.section_3_6.cases) {
      it(`${visible(input!)} → ${expected}`, () => assert.equal(percentEncode(input!), expected));
    }
  });
});

describe('oauth.net RSA-SHA1 test case', () => {
  const client: ClientCredentials = { consumerKey: rsaCase.consumerKey, signatureMethod: 'RSA-SHA1', privateKeyPem: rsaCase.privateKeyPem };
  const request = { method: 'GET' as const, url: rsaCase.url, headers: {} };

  it('builds the published base string and signature', () => {
    const { signature, baseString } = computeSignature(request, pairs(rsaCase.protocolParameters), client, '');
    assert.equal(baseString, rsaCase.baseString);
    assert.equal(signature, rsaCase.signature);
  });

  it('verifies the published signature with the public half, and refuses a changed base string', () => {
    // What a server does (RFC 3447 §8.2.2); Twofold only signs, so the check lives here.
    const verifyRsaSha1 = (baseString: string, signature: string, publicKeyPem: string): boolean => {
      try {
        return verify('sha1', Buffer.from(baseString, 'utf8'), createPublicKey(publicKeyPem), Buffer.from(signature, 'base64'));
      } catch {
        return false;
      }
    };
    const publicKeyPem = createPublicKey(rsaCase.privateKeyPem).export({ type: 'spki', format: 'pem' }).toString();
    assert.ok(verifyRsaSha1(rsaCase.baseString, rsaCase.signature, publicKeyPem));
    assert.ok(!verifyRsaSha1(rsaCase.baseString.replace('vacaction', 'vacation'), rsaCase.signature, publicKeyPem));
    assert.ok(!verifyRsaSha1(rsaCase.baseString, 'not base64 at all', publicKeyPem));
  });
});

describe('OAuth Core 1.0 Appendix A.5 (HMAC-SHA1)', () => {
  it('builds the published base string and signature tR3+Ty81…', () => {
    const client: ClientCredentials = { consumerKey: 'dpf43f3p2l4k3l03', signatureMethod: 'HMAC-SHA1', consumerSecret: coreAppendixA.consumerSecret };
    const request = { method: 'GET' as const, url: coreAppendixA.url, headers: {} };
    const { signature, baseString } = computeSignature(request, pairs(coreAppendixA.protocolParameters), client, coreAppendixA.tokenSecret);
    assert.equal(baseString, coreAppendixA.baseString);
    assert.equal(signature, coreAppendixA.signature);
    assert.equal(signHmacSha1(coreAppendixA.baseString, coreAppendixA.consumerSecret, coreAppendixA.tokenSecret), coreAppendixA.signature);
  });
});
