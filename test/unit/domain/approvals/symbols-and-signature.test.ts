import assert from 'node:assert/strict';
import { generateKeyPairSync, sign } from 'node:crypto';
import { accessPassMessage, isValidSignature, parseDevicePublicKey } from '../../../../src/domain/approvals/signature';
import { ACCESS_PASS_SYMBOLS, SYMBOL_CHOICES, drawSymbols, symbolById } from '../../../../src/domain/approvals/symbols';
import { SeededRandom } from '../mfa/fixtures';

describe('access pass symbols', () => {
  it('has at least 16 distinct symbols, each with a distinct name', () => {
    assert.ok(ACCESS_PASS_SYMBOLS.length >= 16);
    assert.equal(new Set(ACCESS_PASS_SYMBOLS.map((symbol) => symbol.id)).size, ACCESS_PASS_SYMBOLS.length);
    assert.equal(new Set(ACCESS_PASS_SYMBOLS.map((symbol) => symbol.name.toLowerCase())).size, ACCESS_PASS_SYMBOLS.length);
    assert.equal(symbolById('nope'), null);
  });

  it('draws four distinct choices with the right one among them, every symbol reachable', () => {
    const random = new SeededRandom('symbols');
    const seen = new Set<string>();
    for (let draw = 0; draw < 500; draw += 1) {
      const { symbol, choices } = drawSymbols(random);
      assert.equal(choices.length, SYMBOL_CHOICES);
      assert.equal(new Set(choices.map((choice) => choice.id)).size, SYMBOL_CHOICES);
      assert.ok(choices.includes(symbol));
      seen.add(symbol.id);
    }
    assert.equal(seen.size, ACCESS_PASS_SYMBOLS.length);
  });
});

describe('access pass signature (ECDSA P-256, SHA-256, IEEE P1363)', () => {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = parseDevicePublicKey(publicKey.export({ format: 'jwk' }));
  const message = accessPassMessage('c1', 'star', 'approve', 'n1');

  it('signs the contract text', () => {
    assert.equal(message, 'twofold-access-pass\nc1\nstar\napprove\nn1');
  });

  it('accepts the P1363 signature of the message by the key, and nothing else', () => {
    assert.ok(jwk);
    const signature = sign('sha256', Buffer.from(message), { key: privateKey, dsaEncoding: 'ieee-p1363' });
    assert.equal(isValidSignature(jwk, message, signature.toString('base64url')), true);
    assert.equal(isValidSignature(jwk, accessPassMessage('c1', 'star', 'deny', 'n1'), signature.toString('base64url')), false);
    const der = sign('sha256', Buffer.from(message), { key: privateKey, dsaEncoding: 'der' });
    assert.equal(isValidSignature(jwk, message, der.toString('base64url')), false, 'DER is not the contract form');
    assert.equal(isValidSignature(jwk, message, 'not base64!'), false);
  });

  it('takes only P-256 public keys on the curve, and never a private key', () => {
    const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey.export({ format: 'jwk' });
    assert.equal(parseDevicePublicKey(p384), null);
    assert.equal(parseDevicePublicKey({ ...publicKey.export({ format: 'jwk' }), x: Buffer.alloc(32, 1).toString('base64url') }), null, 'off the curve');
    assert.equal(parseDevicePublicKey(privateKey.export({ format: 'jwk' })), null);
    assert.equal(parseDevicePublicKey('EC'), null);
  });
});
