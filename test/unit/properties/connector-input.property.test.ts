import assert from 'node:assert/strict';
import fc from 'fast-check';
import { assertSecureBaseUrl } from '../../../src/adapters/jira-server/secure-url';
import { assertConsumerKey } from '../../../src/domain/connector/connector-settings';
import { TwofoldError } from '../../../src/domain/errors';

function codeOf(run: () => unknown): string | null {
  try {
    run();
    return null;
  } catch (error) {
    assert.ok(error instanceof TwofoldError, `a typed error, not ${String(error)}`);
    return error.code;
  }
}

/** The connector's admin input: the consumer key and the Jira base URL. */
describe('Property: connector settings', () => {
  it('accepts exactly the consumer keys of letters, digits, - _ and . (1 to 200), refusing the rest with invalid_consumer_key', () => {
    const allowed = fc.stringMatching(/^[A-Za-z0-9._-]{1,200}$/);
    fc.assert(fc.property(allowed, (key) => assert.equal(assertConsumerKey(key), key)));
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.fullUnicodeString(), fc.string({ minLength: 201, maxLength: 300 })), (key) => {
        const code = codeOf(() => assertConsumerKey(key));
        assert.equal(code, /^[A-Za-z0-9._-]{1,200}$/.test(key) ? null : 'invalid_consumer_key');
      }),
    );
  });

  it('takes any https URL, http only to loopback, and refuses everything else with a typed error', () => {
    fc.assert(
      fc.property(fc.webUrl({ validSchemes: ['https'] }), (url) =>
        assert.equal(
          codeOf(() => assertSecureBaseUrl(url)),
          null,
        ),
      ),
    );
    fc.assert(
      fc.property(fc.domain(), (host) => {
        const code = codeOf(() => assertSecureBaseUrl(`http://${host}/jira`));
        assert.equal(code, host.toLowerCase() === 'localhost' ? null : 'insecure_url');
      }),
    );
    fc.assert(
      fc.property(fc.ipV4(), (ip) =>
        assert.equal(
          codeOf(() => assertSecureBaseUrl(`http://${ip}:8080`)),
          ip.startsWith('127.') ? null : 'insecure_url',
        ),
      ),
    );
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.fullUnicodeString()), (input) => {
        const code = codeOf(() => assertSecureBaseUrl(input));
        assert.ok(code === null || code === 'invalid_request' || code === 'insecure_url', String(code));
      }),
    );
  });
});
