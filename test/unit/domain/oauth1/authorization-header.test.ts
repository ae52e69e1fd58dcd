import assert from 'node:assert/strict';
import { formatAuthorizationHeader, parseAuthChallenges, parseOAuthParams } from '../../../../src/domain/oauth1';

describe('Authorization header (RFC 5849 §3.5.1)', () => {
  it('encodes names and values and quotes each value', () => {
    assert.equal(
      formatAuthorizationHeader([
        ['oauth_callback', 'https://twofold.example/cb?x=1'],
        ['oauth_signature', 'a+b/c='],
      ]),
      'OAuth oauth_callback="https%3A%2F%2Ftwofold.example%2Fcb%3Fx%3D1", oauth_signature="a%2Bb%2Fc%3D"',
    );
  });

  it('escapes a quote in the realm', () => {
    assert.equal(formatAuthorizationHeader([], 'a "b"'), 'OAuth realm="a \\"b\\""');
  });

  it('parses Jira-style challenges, percent-decoding the OAuth values', () => {
    const params = parseOAuthParams('OAuth realm="https%3A%2F%2Fjira.example.com", oauth_problem="token_rejected"');
    assert.deepEqual(Object.fromEntries(params!), { realm: 'https://jira.example.com', oauth_problem: 'token_rejected' });
  });

  it('separates several challenges in one header and keeps parameter names as sent', () => {
    const challenges = parseAuthChallenges('Basic realm="Jira", OAuth realm="x",oauth_problem=timestamp_refused , Bearer');
    assert.deepEqual(
      challenges.map((c) => [c.scheme, Object.fromEntries(c.params)]),
      [
        ['Basic', { realm: 'Jira' }],
        ['OAuth', { realm: 'x', oauth_problem: 'timestamp_refused' }],
        ['Bearer', {}],
      ],
    );
  });

  it('handles escaped quotes and commas inside quoted values', () => {
    const [challenge] = parseAuthChallenges('OAuth oauth_problem_advice="a \\"quoted\\", value", oauth_problem="x"');
    assert.equal(challenge!.params.get('oauth_problem_advice'), 'a "quoted", value');
    assert.equal(challenge!.params.get('oauth_problem'), 'x');
  });

  it('returns undefined when there is no OAuth scheme, and survives garbage', () => {
    assert.equal(parseOAuthParams('Basic realm="Jira"'), undefined);
    assert.doesNotThrow(() => parseAuthChallenges('=,,"unterminated'));
  });
});
