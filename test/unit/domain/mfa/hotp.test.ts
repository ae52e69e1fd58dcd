import assert from 'node:assert/strict';
import vectors from '../../../vectors/rfc4226-appendix-d.json';
import { dynamicTruncate, hotp, hotpHmac } from '../../../../src/domain/mfa/hotp';
import type { HotpParameters } from '../../../../src/domain/mfa/otp-parameters';
import { ascii, assertThrowsInvariant } from './fixtures';

describe('hotp (RFC 4226)', () => {
  const secret = ascii(vectors.secretAscii);
  const params: HotpParameters = { algorithm: 'SHA1', digits: 6 };

  it('uses the Appendix D secret', () => {
    assert.equal(secret.toString('hex'), vectors.secretHex);
  });

  for (const vector of vectors.cases) {
    describe(`Appendix D, count ${vector.counter}`, () => {
      it(`HMAC-SHA-1 is ${vector.hmacHex}`, () => {
        assert.equal(hotpHmac(secret, vector.counter, 'SHA1').toString('hex'), vector.hmacHex);
      });
      it(`truncates to ${vector.truncatedHex} (${vector.truncatedDecimal})`, () => {
        const truncated = dynamicTruncate(Buffer.from(vector.hmacHex, 'hex'));
        assert.equal(truncated, vector.truncatedDecimal);
        assert.equal(truncated.toString(16), vector.truncatedHex);
      });
      it(`HOTP is ${vector.hotp}`, () => {
        assert.equal(hotp(secret, vector.counter, params), vector.hotp);
      });
    });
  }

  it('truncates the §5.4 example to 0x50ef7f19, HOTP 872921', () => {
    const hmac = Buffer.from('1f8698690e02ca16618550ef7f19da8e945b555a', 'hex');
    assert.equal(dynamicTruncate(hmac), 0x50ef7f19);
    assert.equal(dynamicTruncate(hmac) % 1e6, 872921);
  });

  it('gives 8 digits whose last 6 are the 6-digit code', () => {
    for (const vector of vectors.cases) {
      const eight = hotp(secret, vector.counter, { algorithm: 'SHA1', digits: 8 });
      assert.equal(eight.length, 8);
      assert.equal(eight.slice(2), vector.hotp);
    }
  });

  it('accepts a 10-byte hardware-token seed', () => {
    assert.match(hotp(Buffer.alloc(10, 7), 1, params), /^\d{6}$/);
  });

  it('refuses misuse: short secrets, bad counters, unsupported parameters', () => {
    assertThrowsInvariant(() => hotp(Buffer.alloc(9), 0, params));
    assertThrowsInvariant(() => hotp(secret, -1, params));
    assertThrowsInvariant(() => hotp(secret, 1.5, params));
    assertThrowsInvariant(() => hotp(secret, 2 ** 53, params));
    assertThrowsInvariant(() => hotp(secret, 0, { algorithm: 'SHA1', digits: 7 as 6 }));
    assertThrowsInvariant(() => hotp(secret, 0, { algorithm: 'MD5' as 'SHA1', digits: 6 }));
    assertThrowsInvariant(() => dynamicTruncate(Buffer.alloc(16)));
  });
});
