import { createPublicKey, verify, type JsonWebKey, type KeyObject } from 'node:crypto';

/**
 * The device's signature over its answer to an access-pass challenge (CONTRACT "Email codes and the
 * access pass"): ECDSA P-256 with SHA-256, in the raw IEEE P1363 form (r‖s, 64 bytes) that WebCrypto
 * produces, base64url. What is signed names the purpose, the challenge, the symbol, the decision and
 * the challenge's nonce, one per line, so that no signature can be replayed on another challenge, for
 * another symbol, or turned from a "deny" into an "approve".
 */

export type Decision = 'approve' | 'deny';

/** The UTF-8 text a device signs. */
export function accessPassMessage(challengeId: string, symbolId: string, decision: Decision, nonce: string): string {
  return `twofold-access-pass\n${challengeId}\n${symbolId}\n${decision}\n${nonce}`;
}

/** A device's public key as stored: the JWK's four fields, nothing else. */
export interface DevicePublicKey {
  readonly kty: 'EC';
  readonly crv: 'P-256';
  readonly x: string;
  readonly y: string;
}

/**
 * The public key a phone sent at pairing, if it is an ECDSA P-256 public key whose point lies on the
 * curve (node:crypto refuses one that does not); null otherwise. A private part (`d`) is refused too:
 * a phone that sends it has leaked its key.
 */
export function parseDevicePublicKey(input: unknown): DevicePublicKey | null {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return null;
  const jwk = input as Record<string, unknown>;
  if (jwk.kty !== 'EC' || jwk.crv !== 'P-256' || typeof jwk.x !== 'string' || typeof jwk.y !== 'string' || 'd' in jwk) return null;
  const key: DevicePublicKey = { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y };
  return keyObject(key) === null ? null : key;
}

/** Whether `signature` (base64url, P1363) is the device's signature of `message`. Never throws. */
export function isValidSignature(publicKey: DevicePublicKey, message: string, signature: string): boolean {
  const key = keyObject(publicKey);
  if (key === null || !/^[A-Za-z0-9_-]+$/.test(signature)) return false;
  const bytes = Buffer.from(signature, 'base64url');
  // P-256's r and s are 32 bytes each; anything else is not a P1363 signature of this curve.
  if (bytes.length !== 64) return false;
  try {
    return verify('sha256', Buffer.from(message, 'utf8'), { key, dsaEncoding: 'ieee-p1363' }, bytes);
  } catch {
    return false;
  }
}

function keyObject(publicKey: DevicePublicKey): KeyObject | null {
  try {
    const key = createPublicKey({ key: { ...publicKey } as JsonWebKey, format: 'jwk' });
    return key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1' ? key : null;
  } catch {
    return null;
  }
}
