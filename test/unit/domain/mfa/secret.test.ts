import assert from 'node:assert/strict';
import { assertUsableSecret, generateSecret, SECRET_BYTES_BY_ALGORITHM } from '../../../../src/domain/mfa/secret';
import { assertThrowsInvariant, ScriptedRandom, SeededRandom } from './fixtures';

describe('generateSecret', () => {
  it('matches RFC 6238 seed sizes: 20, 32, 64 bytes', () => {
    const random = new SeededRandom('secret');
    assert.equal(generateSecret(random).length, 20);
    assert.equal(generateSecret(random, 'SHA1').length, 20);
    assert.equal(generateSecret(random, 'SHA256').length, 32);
    assert.equal(generateSecret(random, 'SHA512').length, 64);
    assert.deepEqual(SECRET_BYTES_BY_ALGORITHM, { SHA1: 20, SHA256: 32, SHA512: 64 });
  });

  it('takes its bytes from the injected Random, and copies them', () => {
    const bytes = Buffer.alloc(20, 0xab);
    const secret = generateSecret(new ScriptedRandom(bytes));
    assert.deepEqual(secret, bytes);
    bytes.fill(0);
    assert.equal(secret[0], 0xab);
  });

  it('honours a longer length, refuses a shorter one', () => {
    assert.equal(generateSecret(new SeededRandom('x'), 'SHA1', 40).length, 40);
    assertThrowsInvariant(() => generateSecret(new SeededRandom('x'), 'SHA1', 16));
    assertThrowsInvariant(() => generateSecret(new SeededRandom('x'), 'SHA1', 129));
  });

  it('notices a broken Random', () => {
    assertThrowsInvariant(() => generateSecret({ bytes: () => Buffer.alloc(3) }));
  });
});

describe('assertUsableSecret', () => {
  it('accepts 10 to 128 bytes (10: imported hardware-token seeds)', () => {
    assertUsableSecret(Buffer.alloc(10));
    assertUsableSecret(Buffer.alloc(128));
    assertThrowsInvariant(() => assertUsableSecret(Buffer.alloc(9)));
    assertThrowsInvariant(() => assertUsableSecret(Buffer.alloc(129)));
  });
});
