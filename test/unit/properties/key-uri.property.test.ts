import assert from 'node:assert/strict';
import fc from 'fast-check';
import { TwofoldError } from '../../../src/domain/errors';
import { buildTotpKeyUri } from '../../../src/domain/mfa/key-uri';
import { decodeBase32 } from '../../../src/domain/mfa/secret-encoding';

const name = fc.oneof(fc.string({ maxLength: 40 }), fc.fullUnicodeString({ maxLength: 40 }), fc.emailAddress());

/**
 * The otpauth URI in the enrollment QR code, built from the service name (admin input) and the 2FA ID:
 * whatever the names, either a typed refusal or a URI an authenticator app reads back to the same values.
 */
describe('Property: otpauth key URIs', () => {
  it('round-trips issuer, label and secret, or refuses with invalid_request', () => {
    fc.assert(
      fc.property(name, name, fc.uint8Array({ minLength: 16, maxLength: 64 }), (issuer, label, secret) => {
        let uri: string;
        try {
          uri = buildTotpKeyUri({ issuer, label, secret, params: { algorithm: 'SHA1', digits: 6, period: 30 } });
        } catch (error) {
          assert.ok(error instanceof TwofoldError && error.code === 'invalid_request', String(error));
          return;
        }
        const url = new URL(uri);
        assert.equal(url.protocol, 'otpauth:');
        assert.equal(url.host, 'totp');
        const path = decodeURIComponent(url.pathname.slice(1));
        const colon = path.indexOf(':');
        assert.equal(path.slice(0, colon), issuer.normalize('NFC').trim());
        assert.equal(path.slice(colon + 1), label.normalize('NFC').trim());
        assert.equal(url.searchParams.get('issuer'), issuer.normalize('NFC').trim());
        const decoded = decodeBase32(url.searchParams.get('secret')!);
        assert.ok(decoded.ok);
        assert.deepEqual(Buffer.from(decoded.bytes), Buffer.from(secret));
      }),
    );
  });
});
