import { createHash } from 'node:crypto';

const PEM_BLOCK = /-----BEGIN ([A-Z ]+)-----([\s\S]*?)-----END \1-----/;

/**
 * The public key as Jira's Application Link form takes it ("Public Key" under Incoming Authentication):
 * the base64 of the SubjectPublicKeyInfo, without the `-----BEGIN PUBLIC KEY-----` lines and without
 * line breaks.
 */
export function publicKeyBase64(publicKeyPem: string): string {
  const match = PEM_BLOCK.exec(publicKeyPem);
  if (match === null || match[1] !== 'PUBLIC KEY') throw new TypeError('not a PEM "PUBLIC KEY" (SubjectPublicKeyInfo)');
  return (match[2] ?? '').replace(/\s+/g, '');
}

/**
 * A short name for the key, so that an admin can compare what Jira shows with what Twofold holds:
 * SHA-256 of the DER SubjectPublicKeyInfo, as OpenSSH writes fingerprints.
 */
export function publicKeyFingerprint(publicKeyPem: string): string {
  const der = Buffer.from(publicKeyBase64(publicKeyPem), 'base64');
  return `SHA256:${createHash('sha256').update(der).digest('base64').replace(/=+$/, '')}`;
}
