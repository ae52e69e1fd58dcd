import { generateKeyPairSync } from 'node:crypto';

/** RSA key pairs for tests, made once per run: 2048 bits, as Twofold generates them. */
function pair(): { privateKeyPem: string; publicKeyPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

export const consumerKeys = pair();
export const otherKeys = pair();
