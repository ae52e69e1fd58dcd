import { createHash } from 'node:crypto';

export const MASTER_KEY_BYTES = 32;

/** Decodes a base64 master key and insists on exactly 32 bytes (AES-256). */
export function parseMasterKey(text: string): Buffer {
  const trimmed = text.trim();
  if (!/^[A-Za-z0-9+/_-]+=*$/.test(trimmed)) {
    throw new Error('the master key must be base64 (generate one with `openssl rand -base64 32`)');
  }
  const key = Buffer.from(trimmed, 'base64');
  if (key.length !== MASTER_KEY_BYTES) {
    throw new Error(`the master key must be ${MASTER_KEY_BYTES} bytes once base64-decoded, not ${key.length}`);
  }
  return key;
}

/**
 * A short, stable, non-secret name for a key, stored in every sealed value so that the right key is
 * picked after a rotation. A hash prefix reveals nothing useful about a 256-bit key.
 */
export function masterKeyId(key: Buffer): string {
  return createHash('sha256').update('twofold master key id\0').update(key).digest('hex').slice(0, 12);
}
