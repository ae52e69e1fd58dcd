import assert from 'node:assert/strict';
import { backoffDelayMs, DEFAULT_RETRY_POLICY, isRetryableStatus } from '../../../../src/adapters/jira-server/retry-policy';
import { assertSecureBaseUrl, isLoopbackHost } from '../../../../src/adapters/jira-server/secure-url';

describe('retry policy', () => {
  it('retries 429 and 5xx only, never 401 or 403', () => {
    assert.deepEqual([401, 403, 404, 409, 429, 500, 503, 599].map(isRetryableStatus), [false, false, false, false, true, true, true, true]);
  });

  it('backs off exponentially with jitter inside [step/2, step], capped', () => {
    const low = { bytes: (n: number) => Buffer.alloc(n, 0) };
    const high = { bytes: (n: number) => Buffer.alloc(n, 0xff) };
    assert.deepEqual(
      [1, 2, 3].map((a) => backoffDelayMs(DEFAULT_RETRY_POLICY, a, low)),
      [125, 250, 500],
    );
    assert.deepEqual(
      [1, 2, 3].map((a) => backoffDelayMs(DEFAULT_RETRY_POLICY, a, high)),
      [250, 500, 1000],
    );
    assert.equal(backoffDelayMs(DEFAULT_RETRY_POLICY, 20, high), 5000);
  });
});

describe('secure base URLs', () => {
  it('knows loopback hosts', () => {
    const hosts = ['localhost', 'LocalHost', '127.0.0.1', '127.10.0.1', '[::1]', '::1', 'localhost.example.com', '10.0.0.1', '128.0.0.1', '[::2]'];
    assert.deepEqual(hosts.map(isLoopbackHost), [true, true, true, true, true, true, false, false, false, false]);
  });

  it('does not trust *.localhost by its name: a resolver need not send it to loopback', () => {
    assert.equal(isLoopbackHost('jira.localhost'), false);
    assert.throws(() => assertSecureBaseUrl('http://jira.localhost:2990/jira'), { code: 'insecure_url' });
  });

  it('allows https anywhere and http to loopback only', () => {
    assert.doesNotThrow(() => assertSecureBaseUrl('https://jira.example.com/jira'));
    assert.doesNotThrow(() => assertSecureBaseUrl('http://localhost:2990/jira'));
    assert.throws(() => assertSecureBaseUrl('http://jira.example.com'), { code: 'insecure_url' });
    assert.throws(() => assertSecureBaseUrl('not a url'), { code: 'invalid_request' });
  });
});
