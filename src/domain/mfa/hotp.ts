import { createHmac } from 'node:crypto';
import { InvariantError } from '../errors';
import { assertHotpParameters, nodeHashName, type HotpParameters, type OtpAlgorithm } from './otp-parameters';
import { assertUsableSecret } from './secret';

/**
 * HOTP, the HMAC-based one-time password, computed with node:crypto.
 *
 * We do the arithmetic ourselves rather than through otplib: it is a dozen lines, it runs
 * synchronously on Node's native HMAC, and it accepts the 10-byte seeds of hardware tokens that
 * otplib's guardrails refuse. Policy (which parameters, which window, replay) lives in our other
 * modules; this file is only RFC 4226 §5.
 *
 * @see RFC 4226 §5.3 (generating an HOTP value) and Appendix D (test values)
 */

/**
 * Step 1: HS = HMAC-SHA-x(K, C), with C as an 8-byte big-endian counter.
 * @see RFC 4226 §5.3 step 1 and §5.2 (C is 8 bytes, high-order byte first)
 */
export function hotpHmac(secret: Uint8Array, counter: number, algorithm: OtpAlgorithm): Buffer {
  assertUsableSecret(secret);
  // Safe integers only: JavaScript numbers are exact up to 2^53 - 1, far inside the 8-byte counter.
  if (!Number.isSafeInteger(counter) || counter < 0) {
    throw new InvariantError('An HOTP counter must be a non-negative integer.', { counter });
  }
  const message = Buffer.alloc(8);
  message.writeBigUInt64BE(BigInt(counter));
  return createHmac(nodeHashName(algorithm), secret).update(message).digest();
}

/**
 * Step 2: dynamic truncation to a 31-bit number. The offset is the low nibble of the last byte,
 * which for SHA-256 and SHA-512 digests is byte 31 or 63 (RFC 6238 §1.2 keeps the same rule).
 * @see RFC 4226 §5.3 step 2 and §5.4
 */
export function dynamicTruncate(hmac: Uint8Array): number {
  if (hmac.length < 20) {
    throw new InvariantError('An HMAC value must be at least 20 bytes long.', { bytes: hmac.length });
  }
  const offset = (hmac[hmac.length - 1] as number) & 0x0f;
  return (((hmac[offset] as number) & 0x7f) << 24) | ((hmac[offset + 1] as number) << 16) | ((hmac[offset + 2] as number) << 8) | (hmac[offset + 3] as number);
}

/**
 * Step 3: HOTP(K, C) = Truncate(HMAC(K, C)) mod 10^Digit, left-padded with zeros.
 * @see RFC 4226 §5.3 step 3
 */
export function hotp(secret: Uint8Array, counter: number, params: HotpParameters): string {
  assertHotpParameters(params);
  const binary = dynamicTruncate(hotpHmac(secret, counter, params.algorithm));
  return (binary % 10 ** params.digits).toString().padStart(params.digits, '0');
}
