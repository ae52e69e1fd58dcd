import assert from 'node:assert/strict';
import { retryAfterMs, retryAfterSeconds } from '../../../../src/domain/http/retry-after';
import { unexpectedStatus } from '../../../../src/domain/http/unexpected-status';

describe('Retry-After (RFC 9110 §10.2.3): the one parser', () => {
  const now = new Date('2026-01-01T00:00:00Z');

  it('reads delay-seconds and an HTTP-date, from the given time', () => {
    assert.equal(retryAfterMs('2', now), 2000);
    assert.equal(retryAfterMs(' 120 ', now), 120_000);
    assert.equal(retryAfterMs('Thu, 01 Jan 2026 00:00:30 GMT', now), 30_000);
    assert.equal(retryAfterMs('Thursday, 01-Jan-26 00:00:30 GMT', now), 30_000, 'the obsolete RFC 850 form');
    assert.equal(retryAfterMs('Wed, 31 Dec 2025 23:00:00 GMT', now), 0, 'a date in the past means now');
    assert.equal(retryAfterSeconds('Thu, 01 Jan 2026 00:00:01 GMT', new Date('2026-01-01T00:00:00.500Z')), 1, 'rounded up');
  });

  it('reads nothing it cannot be sure of', () => {
    for (const value of [undefined, '', 'soon', '-1', '1.5']) assert.equal(retryAfterMs(value, now), undefined, String(value));
    assert.equal(retryAfterMs('Thu, 01 Jan 2026 00:00:30 GMT', undefined), undefined, 'a date needs a clock');
  });
});

describe('unexpected statuses: one sentence for the OAuth steps and the REST client', () => {
  it('names a redirect and where it goes, and never follows it', () => {
    const redirect = unexpectedStatus(302, { location: 'https://sso.example.com/login' }, '/jira/rest/api/2/myself');
    assert.equal(redirect.code, 'upstream_error');
    assert.deepEqual(redirect.details, { status: 302, location: 'https://sso.example.com/login' });
  });

  it('points a 404 at the context path', () => {
    const notFound = unexpectedStatus(404, {}, '/rest/api/2/myself');
    assert.deepEqual([notFound.code, notFound.details], ['upstream_error', { status: 404 }]);
  });

  it('passes on the Retry-After Jira gave, in either form', () => {
    const now = new Date('2026-01-01T00:00:00Z');
    assert.equal(unexpectedStatus(503, { 'retry-after': '7' }, '/x', now).retryAfterSeconds, 7);
    assert.equal(unexpectedStatus(503, { 'Retry-After': 'Thu, 01 Jan 2026 00:01:00 GMT' }, '/x', now).retryAfterSeconds, 60);
    assert.equal('retryAfterSeconds' in unexpectedStatus(500, {}, '/x', now), false);
  });
});
