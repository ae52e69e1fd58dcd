import forge from 'node-forge';
import type { KeyPairGenerator } from '../../domain/connector/ports';

/**
 * RSA key pairs for the connector's OAuth 1.0a consumer (RSA-SHA1), with node-forge. On Node, forge hands
 * the work to the native `crypto.generateKeyPair` (about 0.2 s for 2048 bits, off the event loop); the
 * pure-JavaScript fallback would block for seconds. The private key is PKCS#1 PEM, the public key
 * SubjectPublicKeyInfo PEM (what Jira's Application Link takes, without its header lines).
 */
export class ForgeRsaKeyPairGenerator implements KeyPairGenerator {
  constructor(private readonly bits = 2048) {
    if (bits < 2048) throw new RangeError('RSA keys for Jira have 2048 bits or more');
  }

  generate(): Promise<{ privateKeyPem: string; publicKeyPem: string }> {
    return new Promise((resolve, reject) => {
      forge.pki.rsa.generateKeyPair({ bits: this.bits, e: 0x10001 }, (error, pair) => {
        if (error) return reject(error);
        // forge writes CRLF line ends; LF is what OpenSSL, Node and Jira's own examples use.
        const lf = (pem: string) => pem.replace(/\r\n/g, '\n');
        resolve({ privateKeyPem: lf(forge.pki.privateKeyToPem(pair.privateKey)), publicKeyPem: lf(forge.pki.publicKeyToPem(pair.publicKey)) });
      });
    });
  }
}
