import assert from 'node:assert/strict';
import { createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';
import { ForgeRsaKeyPairGenerator } from '../../../../src/adapters/crypto/rsa-key-pair-generator';

describe('connector RSA key pairs (node-forge)', () => {
  it('makes a 2048-bit pair in PEM with LF line ends that signs RSA-SHA1', async () => {
    const { privateKeyPem, publicKeyPem } = await new ForgeRsaKeyPairGenerator().generate();
    assert.doesNotMatch(privateKeyPem + publicKeyPem, /\r/);
    assert.match(publicKeyPem, /^-----BEGIN PUBLIC KEY-----\n/);
    assert.equal(createPrivateKey(privateKeyPem).asymmetricKeyDetails?.modulusLength, 2048);
    const signature = sign('sha1', Buffer.from('base string'), privateKeyPem);
    assert.ok(verify('sha1', Buffer.from('base string'), createPublicKey(publicKeyPem), signature));
  });

  it('refuses fewer than 2048 bits', () => {
    assert.throws(() => new ForgeRsaKeyPairGenerator(1024), RangeError);
  });
});
