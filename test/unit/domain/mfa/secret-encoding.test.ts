import assert from 'node:assert/strict';
import vectors from '../../../vectors/rfc4648-section-10.json';
import { decodeBase32, decodeHex, encodeBase32, encodeHex, formatBase32ForTyping } from '../../../../src/domain/mfa/secret-encoding';
import { ascii, SeededRandom } from './fixtures';

describe('secret encoding', () => {
  describe('RFC 4648 §10 vectors', () => {
    for (const vector of vectors.cases) {
      it(`BASE32(${JSON.stringify(vector.ascii)}) = ${JSON.stringify(vector.base32)}`, () => {
        assert.equal(encodeBase32(ascii(vector.ascii), { padding: true }), vector.base32);
        assert.equal(encodeBase32(ascii(vector.ascii)), vector.base32.replace(/=+$/, ''));
        assert.deepEqual(decodeBase32(vector.base32), { ok: true, bytes: ascii(vector.ascii) });
        assert.deepEqual(decodeBase32(vector.base32.replace(/=+$/, '')), { ok: true, bytes: ascii(vector.ascii) });
      });
      it(`BASE16(${JSON.stringify(vector.ascii)}) = ${JSON.stringify(vector.base16)}`, () => {
        assert.equal(encodeHex(ascii(vector.ascii)), vector.base16.toLowerCase());
        assert.deepEqual(decodeHex(vector.base16), { ok: true, bytes: ascii(vector.ascii) });
      });
    }
  });

  it('encodes the RFC 6238 SHA-1 seed as authenticator apps know it', () => {
    assert.equal(encodeBase32(ascii('12345678901234567890')), 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ');
    assert.equal(formatBase32ForTyping(ascii('12345678901234567890')), 'GEZD GNBV GY3T QOJQ GEZD GNBV GY3T QOJQ');
    assert.equal(encodeHex(ascii('12345678901234567890')), '3132333435363738393031323334353637383930');
  });

  it('round-trips every length from 0 to 70 bytes', () => {
    const random = new SeededRandom('base32');
    for (let length = 0; length <= 70; length += 1) {
      const bytes = random.bytes(length);
      assert.deepEqual(decodeBase32(encodeBase32(bytes)), { ok: true, bytes });
      assert.deepEqual(decodeBase32(formatBase32ForTyping(bytes)), { ok: true, bytes });
      assert.deepEqual(decodeHex(encodeHex(bytes)), { ok: true, bytes });
    }
  });

  it('decodes what people type: lower case, spaces, dashes', () => {
    const bytes = ascii('12345678901234567890');
    assert.deepEqual(decodeBase32(' gezd gnbv-gy3t qojq\tGEZDGNBVGY3TQOJQ \n'), { ok: true, bytes });
    assert.deepEqual(decodeHex('0x31:32:33'), { ok: true, bytes: ascii('123') });
    assert.deepEqual(decodeHex('31 32 33'), { ok: true, bytes: ascii('123') });
  });

  it('refuses what is not base32', () => {
    for (const bad of ['GEZDGNB1', 'GEZDGNB0', 'GEZDGNB8', 'A', 'ABC', 'ABCDEF', 'MY=', 'MZXW6==', 'MY======MY', 'MZ', '========', 'GEZ/']) {
      assert.deepEqual(decodeBase32(bad), { ok: false, reason: 'malformed' }, bad);
    }
  });

  it('refuses non-canonical trailing bits (RFC 4648 §3.5)', () => {
    assert.deepEqual(decodeBase32('MY'), { ok: true, bytes: ascii('f') });
    assert.deepEqual(decodeBase32('MZ'), { ok: false, reason: 'malformed' });
  });

  it('refuses what is not hex', () => {
    for (const bad of ['abc', 'zz', '0x1', '31 3']) assert.deepEqual(decodeHex(bad), { ok: false, reason: 'malformed' }, bad);
  });
});
