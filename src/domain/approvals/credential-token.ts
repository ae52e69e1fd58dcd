import { createHash } from 'node:crypto';
import type { Random } from '../ports/random';

/**
 * The bearer credentials of the access pass (the pairing token in the QR code, the device token the
 * phone keeps): 256 random bits, base64url (43 characters), kept by the server as their SHA-256 only,
 * like the browser session credential (src/domain/mfa/browser-session.ts).
 */
export function newCredentialToken(random: Random): { token: string; hash: string } {
  const token = random.bytes(32).toString('base64url');
  return { token, hash: hashCredentialToken(token) };
}

export function hashCredentialToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}
