import assert from 'node:assert/strict';
import { baseStringUri } from '../../../../src/domain/oauth1';

describe('baseStringUri (RFC 5849 §3.4.1.2)', () => {
  const cases: Array<[string, string, string]> = [
    ['drops the default http port', 'http://jira.example.com:80/rest/api/2/myself', 'http://jira.example.com/rest/api/2/myself'],
    ['drops the default https port', 'https://jira.example.com:443/rest/api/2/myself', 'https://jira.example.com/rest/api/2/myself'],
    ['keeps a non-default port', 'https://jira.example.com:8443/rest', 'https://jira.example.com:8443/rest'],
    ['keeps 80 on https (not its default)', 'https://jira.example.com:80/rest', 'https://jira.example.com:80/rest'],
    ['keeps 443 on http (not its default)', 'http://jira.example.com:443/rest', 'http://jira.example.com:443/rest'],
    ['lower-cases scheme and host', 'HTTPS://JIRA.Example.COM/Rest/API', 'https://jira.example.com/Rest/API'],
    ['keeps a context path', 'https://example.com/jira/plugins/servlet/oauth/request-token', 'https://example.com/jira/plugins/servlet/oauth/request-token'],
    [
      'keeps encoded path segments as sent',
      'https://example.com/rest/api/2/user/properties/twofold%2Fid',
      'https://example.com/rest/api/2/user/properties/twofold%2Fid',
    ],
    ['keeps %20 rather than decoding it', 'http://example.com/r%20v/X', 'http://example.com/r%20v/X'],
    ['encodes a raw space the way the client will send it', 'http://example.com/r v/X', 'http://example.com/r%20v/X'],
    ['removes query and fragment', 'https://example.com/jira/rest?username=a&x=1#frag', 'https://example.com/jira/rest'],
    ['keeps a trailing slash', 'https://example.com/jira/', 'https://example.com/jira/'],
    ['gives / for an empty path', 'https://example.com', 'https://example.com/'],
    ['drops userinfo (not part of the Host header)', 'https://user:pw@example.com/x', 'https://example.com/x'],
    ['keeps an IPv6 literal and its port', 'http://[::1]:8080/jira', 'http://[::1]:8080/jira'],
    ['keeps a loopback test server port', 'http://127.0.0.1:54321/jira/rest', 'http://127.0.0.1:54321/jira/rest'],
  ];
  for (const [title, input, expected] of cases) {
    it(title, () => assert.equal(baseStringUri(input), expected));
  }

  it('accepts a URL object', () => {
    assert.equal(baseStringUri(new URL('https://EXAMPLE.com:443/a')), 'https://example.com/a');
  });

  it('refuses schemes other than http and https', () => {
    assert.throws(() => baseStringUri('ftp://example.com/x'), TypeError);
  });
});
