import assert from 'node:assert/strict';
import { oauth1ErrorFromProblem, oauth1ErrorFromResponse, readOAuthProblem } from '../../../../src/domain/oauth1';
import { detailsOf } from '../../../../src/domain/errors';

const challenge = (problem: string, extra = ''): Record<string, string> => ({
  'www-authenticate': `OAuth realm="https%3A%2F%2Fjira.example.com", oauth_problem="${problem}"${extra}`,
});

describe('OAuth problem reporting', () => {
  it('reads oauth_problem from the WWW-Authenticate challenge', () => {
    assert.deepEqual(readOAuthProblem(challenge('token_rejected'), ''), { problem: 'token_rejected' });
  });

  it('reads a form body with advice, as Jira answers at its token endpoints', () => {
    const report = readOAuthProblem({}, 'oauth_problem=consumer_key_unknown&oauth_problem_advice=Consumer+is+not+known');
    assert.deepEqual(report, { problem: 'consumer_key_unknown', advice: 'Consumer is not known' });
  });

  it('merges header and body, the header first', () => {
    const report = readOAuthProblem(challenge('nonce_used'), 'oauth_problem=other&oauth_problem_advice=seen');
    assert.deepEqual(report, { problem: 'nonce_used', advice: 'seen' });
  });

  it("reads the acceptable timestamps, the parameter lists and Jira's base string", () => {
    const report = readOAuthProblem(
      challenge('timestamp_refused', ', oauth_acceptable_timestamps="1700000000-1700000600"'),
      'oauth_problem=timestamp_refused&oauth_parameters_absent=oauth_nonce%26oauth_timestamp&oauth_signature_base_string=GET%26https%253A%252F%252Fjira.internal%253A8080%252Frest%26a%253Db',
    );
    assert.deepEqual(report, {
      problem: 'timestamp_refused',
      acceptableTimestamps: { from: 1700000000, to: 1700000600 },
      parametersAbsent: ['oauth_nonce', 'oauth_timestamp'],
      signatureBaseString: 'GET&https%3A%2F%2Fjira.internal%3A8080%2Frest&a%3Db',
    });
  });

  it('ignores an HTML page and a challenge without a problem', () => {
    assert.equal(readOAuthProblem({ 'www-authenticate': 'OAuth realm="x"' }, '<html>oauth_problem=x</html>'), undefined);
  });
});

describe('problems as typed errors with a sentence for the Jira admin', () => {
  const expectations: Array<[string, string, RegExp]> = [
    ['token_rejected', 'token_rejected', /Reauthorize/],
    ['token_revoked', 'token_rejected', /revoked/],
    ['token_used', 'token_rejected', /already exchanged/],
    ['token_expired', 'access_token_expired', /5 years/],
    ['signature_invalid', 'signature_invalid', /base URL Jira sees differs .* check the proxy/],
    ['signature_method_rejected', 'signature_method_rejected', /RSA-SHA1/],
    ['consumer_key_unknown', 'consumer_key_unknown', /Application Link/],
    ['consumer_key_rejected', 'consumer_key_unknown', /Application Link/],
    ['consumer_key_refused', 'unauthorized', /temporarily/],
    ['timestamp_refused', 'timestamp_refused', /clocks .* NTP/],
    ['nonce_used', 'nonce_used', /nonce/],
    ['parameter_absent', 'parameter_absent', /strip the Authorization header/],
    ['parameter_rejected', 'parameter_rejected', /rejected/],
    ['version_rejected', 'version_rejected', /1\.0/],
    ['permission_unknown', 'permission_unknown', /Allow/],
    ['permission_denied', 'permission_denied', /Deny/],
    ['something_new', 'unauthorized', /oauth_problem=something_new/],
  ];
  for (const [problem, code] of expectations) {
    it(`${problem} → ${code}`, () => {
      const error = oauth1ErrorFromProblem({ problem }, { status: 401 });
      assert.equal(error.code, code);
      assert.equal(error.problem, problem);
      assert.equal(error.status, 401);
      assert.equal(error.details?.problem, problem);
    });
  }

  it('gives the acceptable range on timestamp_refused', () => {
    const error = oauth1ErrorFromProblem({ problem: 'timestamp_refused', acceptableTimestamps: { from: 1700000000, to: 1700000600 } });
    assert.deepEqual(detailsOf(error, 'timestamp_refused')?.acceptableTimestamps, { from: 1700000000, to: 1700000600 });
  });

  it('names both URIs when Jira checked the signature for another address than the one signed', () => {
    const error = oauth1ErrorFromProblem(
      { problem: 'signature_invalid', signatureBaseString: 'GET&http%3A%2F%2Fjira.internal%3A8080%2Frest%2Fapi%2F2%2Fmyself&x' },
      { signedUri: 'https://jira.example.com/rest/api/2/myself' },
    );
    assert.equal(detailsOf(error, 'signature_invalid')?.signedUri, 'https://jira.example.com/rest/api/2/myself');
    assert.equal(detailsOf(error, 'signature_invalid')?.jiraSignedUri, 'http://jira.internal:8080/rest/api/2/myself');
  });

  it('names the consumer key on consumer_key_unknown', () => {
    const error = oauth1ErrorFromProblem({ problem: 'consumer_key_unknown' }, { consumerKey: 'twofold' });
    assert.deepEqual([error.code, error.details?.problem], ['consumer_key_unknown', 'consumer_key_unknown']);
  });
});

describe('oauth1ErrorFromResponse', () => {
  it('says plain unauthorized for a 401 without a problem', () => {
    const error = oauth1ErrorFromResponse(401, {}, '', { url: 'https://jira.example.com/rest/api/2/myself' });
    assert.equal(error.code, 'unauthorized');
    assert.equal(error.status, 401);
  });

  it('names a redirect and a 404 as base URL problems', () => {
    const redirect = oauth1ErrorFromResponse(302, { location: 'https://sso.example.com/login' }, '', { url: 'https://jira.example.com/x' });
    assert.equal(redirect.code, 'upstream_error');
    assert.deepEqual(redirect.details, { status: 302, location: 'https://sso.example.com/login' });
    const notFound = oauth1ErrorFromResponse(404, {}, '', {});
    assert.deepEqual([notFound.code, notFound.details], ['upstream_error', { status: 404 }]);
  });

  it('keeps Retry-After on a 503', () => {
    assert.equal(oauth1ErrorFromResponse(503, { 'retry-after': '7' }, '', {}).retryAfterSeconds, 7);
  });
});
