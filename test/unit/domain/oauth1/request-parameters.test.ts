import assert from 'node:assert/strict';
import { collectRequestParameters, normalizeParameters, signatureBaseString } from '../../../../src/domain/oauth1';

const PROTOCOL: Array<[string, string]> = [
  ['oauth_consumer_key', 'twofold'],
  ['oauth_nonce', 'n'],
];

describe('collectRequestParameters (RFC 5849 §3.4.1.3.1)', () => {
  it('never lets a protocol parameter enter twice (oauth_callback in the URL and the header)', () => {
    assert.throws(
      () =>
        collectRequestParameters({
          url: 'https://jira.example.com/plugins/servlet/oauth/request-token?oauth_callback=oob',
          protocolParameters: [...PROTOCOL, ['oauth_callback', 'oob']],
        }),
      (error: Error) => error instanceof TypeError && /oauth_callback appears twice \(query and Authorization header\)/.test(error.message),
    );
  });

  it('refuses a protocol parameter repeated in the body too', () => {
    assert.throws(() =>
      collectRequestParameters({
        url: 'https://jira.example.com/x',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: 'oauth_verifier=abc',
        protocolParameters: [...PROTOCOL, ['oauth_verifier', 'abc']],
      }),
    );
  });

  it('lets ordinary parameters repeat (the RFC has a3 in the query and the body)', () => {
    const parameters = collectRequestParameters({
      url: 'https://x.example/p?a=1&a=1',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'a=1',
      protocolParameters: PROTOCOL,
    });
    assert.equal(parameters.filter(([name]) => name === 'a').length, 3);
  });

  it('never reads a JSON body, whatever it contains', () => {
    const parameters = collectRequestParameters({
      url: 'https://jira.example.com/rest/api/2/user/properties/k?userKey=JIRAUSER10100',
      headers: { 'Content-Type': 'application/json' },
      body: '{"oauth_token":"x","a":"b"}',
      protocolParameters: PROTOCOL,
    });
    assert.deepEqual(parameters, [['userKey', 'JIRAUSER10100'], ...PROTOCOL]);
  });

  it('reads a form body with a charset parameter, and ignores a body without Content-Type', () => {
    const withCharset = collectRequestParameters({
      url: 'https://x.example/',
      headers: { 'Content-Type': 'Application/X-WWW-Form-Urlencoded; charset=UTF-8' },
      body: 'x=1',
      protocolParameters: [],
    });
    assert.deepEqual(withCharset, [['x', '1']]);
    assert.deepEqual(collectRequestParameters({ url: 'https://x.example/', body: 'x=1', protocolParameters: [] }), []);
  });

  it('excludes oauth_signature and the header realm, wherever they come from', () => {
    const parameters = collectRequestParameters({
      url: 'https://x.example/?oauth_signature=abc&realm=q',
      protocolParameters: [['realm', 'Example'], ['oauth_signature', 'zzz'], ...PROTOCOL],
    });
    assert.deepEqual(parameters, [['realm', 'q'], ...PROTOCOL]);
  });

  it('decodes + as a space and keeps encoded separators as data', () => {
    const parameters = collectRequestParameters({ url: 'https://x.example/?q=a+b%2Bc%26d&e', protocolParameters: [] });
    assert.deepEqual(parameters, [
      ['q', 'a b+c&d'],
      ['e', ''],
    ]);
  });
});

describe('normalizeParameters (RFC 5849 §3.4.1.3.2)', () => {
  it('sorts by encoded name, then by encoded value, in byte order (upper case before lower case)', () => {
    assert.equal(
      normalizeParameters([
        ['b', '2'],
        ['a', 'z'],
        ['B', '1'],
        ['a', 'Z'],
        ['a~', ''],
        ['a', ' '],
      ]),
      'B=1&a=%20&a=Z&a=z&a~=&b=2',
    );
  });
});

describe('signatureBaseString (RFC 5849 §3.4.1.1)', () => {
  it('upper-cases the method and signs a Jira context path and query', () => {
    const base = signatureBaseString({
      method: 'get',
      url: 'https://JIRA.example.com:443/jira/rest/api/2/group/member?groupname=jira-users&startAt=0',
      protocolParameters: PROTOCOL,
    });
    assert.equal(
      base,
      'GET&https%3A%2F%2Fjira.example.com%2Fjira%2Frest%2Fapi%2F2%2Fgroup%2Fmember&groupname%3Djira-users%26oauth_consumer_key%3Dtwofold%26oauth_nonce%3Dn%26startAt%3D0',
    );
  });
});
