import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { AesGcmSecretBox } from '../../../../src/adapters/crypto/aes-gcm-secret-box';
import { masterKeyId } from '../../../../src/adapters/crypto/master-key';

const keyA = randomBytes(32);
const keyB = randomBytes(32);
const CONTEXT = 'tenant.sharedSecret:jira-1';
const SECRET = 'a tenant shared secret: 0123456789abcdef';

/** Flips one bit of a base64url part of a sealed value. */
function flipBit(sealed: string, index: number): string {
  const parts = sealed.split('.');
  const bytes = Buffer.from(parts[index]!, 'base64url');
  bytes[0] = bytes[0]! ^ 0x01;
  parts[index] = bytes.toString('base64url');
  return parts.join('.');
}

function refusal(run: () => unknown): Error {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof Error);
    return error;
  }
  return assert.fail('expected open() to throw');
}

describe('AesGcmSecretBox', () => {
  const box = new AesGcmSecretBox(keyA);

  it('opens what it sealed, for any text', () => {
    for (const plaintext of ['', SECRET, 'ünïcødé ✓ 秘密', 'x'.repeat(100_000)]) {
      assert.equal(box.open(box.seal(plaintext, CONTEXT), CONTEXT), plaintext);
    }
  });

  it('writes v1.<keyId>.<iv>.<ciphertext>.<tag> with a 96-bit IV and a 128-bit tag', () => {
    const parts = box.seal(SECRET, CONTEXT).split('.');
    assert.equal(parts.length, 5);
    assert.equal(parts[0], 'v1');
    assert.equal(parts[1], masterKeyId(keyA));
    assert.equal(box.currentKeyId, masterKeyId(keyA));
    assert.equal(Buffer.from(parts[2]!, 'base64url').length, 12);
    assert.equal(Buffer.from(parts[3]!, 'base64url').length, Buffer.byteLength(SECRET));
    assert.equal(Buffer.from(parts[4]!, 'base64url').length, 16);
    for (const part of parts) assert.match(part, /^[A-Za-z0-9_-]*$/);
  });

  it('uses a fresh IV every time', () => {
    const sealed = Array.from({ length: 50 }, () => box.seal(SECRET, CONTEXT));
    assert.equal(new Set(sealed).size, 50);
    assert.equal(new Set(sealed.map((s) => s.split('.')[2])).size, 50);
  });

  describe('refuses a tampered value', () => {
    const sealed = box.seal(SECRET, CONTEXT);
    const tampered: Array<[string, string]> = [
      ['with another version', sealed.replace(/^v1\./, 'v2.')],
      ['with one bit of the IV flipped', flipBit(sealed, 2)],
      ['with one bit of the ciphertext flipped', flipBit(sealed, 3)],
      ['with one bit of the tag flipped', flipBit(sealed, 4)],
      ['with a truncated tag', sealed.slice(0, -4)],
      ['with a part missing', sealed.split('.').slice(0, 4).join('.')],
      ['with an extra part', `${sealed}.AAAA`],
      [
        'with ciphertext and IV swapped',
        (() => {
          const p = sealed.split('.');
          return [p[0], p[1], p[3], p[2], p[4]].join('.');
        })(),
      ],
    ];
    for (const [what, value] of tampered) {
      it(what, () => {
        const error = refusal(() => box.open(value, CONTEXT));
        assert.ok(!error.message.includes(SECRET));
      });
    }

    it('with the key id of another configured key', () => {
      const both = new AesGcmSecretBox(keyA, [keyB]);
      const parts = both.seal(SECRET, CONTEXT).split('.');
      parts[1] = masterKeyId(keyB);
      refusal(() => both.open(parts.join('.'), CONTEXT));
    });
  });

  it('refuses a value sealed for another context', () => {
    const sealed = box.seal(SECRET, CONTEXT);
    for (const other of ['tenant.sharedSecret:jira-2', 'tenant.setting:jira-1:sharedSecret', '', `${CONTEXT} `]) {
      const error = refusal(() => box.open(sealed, other));
      assert.match(error.message, /context/);
      assert.ok(!error.message.includes(SECRET));
    }
  });

  it('refuses a value sealed under an unknown key, naming the key id', () => {
    const sealed = new AesGcmSecretBox(keyB).seal(SECRET, CONTEXT);
    const error = refusal(() => box.open(sealed, CONTEXT));
    assert.ok(error.message.includes(masterKeyId(keyB)), error.message);
    assert.ok(!error.message.includes(SECRET));
  });

  it('opens values sealed under a previous key, and seals under the current one', () => {
    const old = new AesGcmSecretBox(keyA).seal(SECRET, CONTEXT);
    const rotated = new AesGcmSecretBox(keyB, [keyA]);
    assert.equal(rotated.open(old, CONTEXT), SECRET);
    const fresh = rotated.seal(SECRET, CONTEXT);
    assert.equal(fresh.split('.')[1], masterKeyId(keyB));
    assert.equal(new AesGcmSecretBox(keyB).open(fresh, CONTEXT), SECRET);
  });

  it('tells values sealed under an older key (isSealedUnderOlderKey)', () => {
    const rotated = new AesGcmSecretBox(keyB, [keyA]);
    assert.equal(rotated.isSealedUnderOlderKey(new AesGcmSecretBox(keyA).seal(SECRET, CONTEXT)), true);
    assert.equal(rotated.isSealedUnderOlderKey(rotated.seal(SECRET, CONTEXT)), false);
    assert.equal(box.isSealedUnderOlderKey(box.seal(SECRET, CONTEXT)), false);
  });

  it('names keys by a stable id that is not the key', () => {
    assert.equal(masterKeyId(keyA), masterKeyId(Buffer.from(keyA)));
    assert.notEqual(masterKeyId(keyA), masterKeyId(keyB));
    assert.match(masterKeyId(keyA), /^[0-9a-f]{12}$/);
    assert.ok(!keyA.toString('hex').includes(masterKeyId(keyA)));
  });
});
