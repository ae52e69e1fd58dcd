import assert from 'node:assert/strict';
import vectors from '../../../vectors/rfc6238-appendix-b.json';
import { timeStepAt, totp, totpAtStep } from '../../../../src/domain/mfa/totp';
import { hotp } from '../../../../src/domain/mfa/hotp';
import { isOtpAlgorithm, type TotpParameters } from '../../../../src/domain/mfa/otp-parameters';
import { SECRET_BYTES_BY_ALGORITHM } from '../../../../src/domain/mfa/secret';
import { ascii, assertThrowsInvariant } from './fixtures';

describe('totp (RFC 6238)', () => {
  it('uses seeds of 20, 32 and 64 bytes (erratum 2866), as our generated secrets do', () => {
    for (const [algorithm, seed] of Object.entries(vectors.seedsAscii)) {
      assert.ok(isOtpAlgorithm(algorithm));
      assert.equal(seed.length, SECRET_BYTES_BY_ALGORITHM[algorithm]);
    }
  });

  for (const vector of vectors.cases) {
    it(`Appendix B: ${vector.algorithm} at ${vector.unixTime} (${vector.utc}) is ${vector.totp}`, () => {
      assert.ok(isOtpAlgorithm(vector.algorithm));
      const params: TotpParameters = { algorithm: vector.algorithm, digits: 8, period: 30 };
      const secret = ascii(vectors.seedsAscii[vector.algorithm]);
      const at = new Date(vector.unixTime * 1000);
      assert.equal(at.toISOString().replace('.000', ''), vector.utc);
      assert.equal(timeStepAt(at, 30).toString(16).toUpperCase().padStart(16, '0'), vector.timeStepHex);
      assert.equal(totp(secret, at, params), vector.totp);
      assert.equal(totpAtStep(secret, Number.parseInt(vector.timeStepHex, 16), params), vector.totp);
    });
  }

  it('counts 60-second steps from the epoch', () => {
    const params: TotpParameters = { algorithm: 'SHA256', digits: 8, period: 60 };
    const secret = ascii(vectors.seedsAscii.SHA256);
    assert.equal(timeStepAt(new Date(59_999), 60), 0);
    assert.equal(timeStepAt(new Date(60_000), 60), 1);
    assert.equal(timeStepAt(new Date(1_111_111_109_000), 60), 18_518_518);
    assert.equal(totp(secret, new Date(1_111_111_109_000), params), hotp(secret, 18_518_518, params));
    // Within one 60 s step the code does not change; at the boundary it does (almost surely).
    assert.equal(totp(secret, new Date(120_000), params), totp(secret, new Date(179_999), params));
    assert.notEqual(totp(secret, new Date(179_999), params), totp(secret, new Date(180_000), params));
  });

  it('starts a step on a whole multiple of the period', () => {
    assert.equal(timeStepAt(new Date(1_111_111_080_000), 30), 37_037_036);
    assert.equal(timeStepAt(new Date(1_111_111_079_999), 30), 37_037_035);
  });

  it('refuses times TOTP cannot express', () => {
    const params: TotpParameters = { algorithm: 'SHA1', digits: 6, period: 30 };
    assertThrowsInvariant(() => totp(ascii(vectors.seedsAscii.SHA1), new Date(Number.NaN), params));
    assertThrowsInvariant(() => totp(ascii(vectors.seedsAscii.SHA1), new Date(-1000), params));
    assertThrowsInvariant(() => totp(ascii(vectors.seedsAscii.SHA1), new Date(0), { ...params, period: 45 as 30 }));
  });
});
