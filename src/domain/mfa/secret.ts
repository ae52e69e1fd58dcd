import { InvariantError } from '../errors';
import type { Random } from '../ports/random';
import type { OtpAlgorithm } from './otp-parameters';

/**
 * Shared secrets (seeds) for HOTP and TOTP credentials.
 *
 * New secrets are as long as the hash's output, which is also what RFC 6238's own test seeds use
 * (20, 32 and 64 bytes for SHA-1, SHA-256 and SHA-512, per erratum 2866): RFC 2104 §3 advises a key
 * of at least the output length L, and more than L adds nothing. RFC 4226 R6 asks for at least
 * 128 bits and recommends 160; we never generate fewer than 160.
 *
 * Imported seeds (a hardware token programmed elsewhere, an old 16-character base32 secret) may be
 * as short as 80 bits. That is below RFC 4226 R6, but it is what such tokens carry, and refusing them
 * would leave those users with no second factor at all.
 *
 * @see RFC 4226 §4 R6 and §7.5 (secret generation from a strong random source)
 * @see RFC 6238 Appendix B and erratum 2866 (seed length per hash)
 */
export const SECRET_BYTES_BY_ALGORITHM: Readonly<Record<OtpAlgorithm, number>> = Object.freeze({
  SHA1: 20,
  SHA256: 32,
  SHA512: 64,
});

/** The shortest secret we ever generate (RFC 4226 R6 recommends 160 bits). */
export const MIN_GENERATED_SECRET_BYTES = 20;

/** The shortest secret we accept at all (an imported 80-bit hardware seed). */
export const MIN_SECRET_BYTES = 10;

/** The longest secret we accept: an HMAC-SHA-512 block; longer keys are hashed by HMAC anyway. */
export const MAX_SECRET_BYTES = 128;

/**
 * A new secret for a credential using `algorithm`, from the injected CSPRNG.
 * `bytes` overrides the length (at least 20, at most 128).
 */
export function generateSecret(random: Random, algorithm: OtpAlgorithm = 'SHA1', bytes?: number): Buffer {
  const length = bytes ?? SECRET_BYTES_BY_ALGORITHM[algorithm];
  if (!Number.isInteger(length) || length < MIN_GENERATED_SECRET_BYTES || length > MAX_SECRET_BYTES) {
    throw new InvariantError('A new secret must be 20 to 128 bytes long.', { bytes: length });
  }
  const secret = random.bytes(length);
  if (secret.length !== length) {
    throw new InvariantError('The random source returned the wrong number of bytes.', { asked: length, got: secret.length });
  }
  return Buffer.from(secret);
}

/** Throws an InvariantError unless `secret` has a length we can compute codes with (a stored seed is corrupt otherwise). */
export function assertUsableSecret(secret: Uint8Array): void {
  if (!(secret instanceof Uint8Array) || secret.length < MIN_SECRET_BYTES || secret.length > MAX_SECRET_BYTES) {
    throw new InvariantError(`A secret must be ${MIN_SECRET_BYTES} to ${MAX_SECRET_BYTES} bytes long.`, {
      bytes: secret instanceof Uint8Array ? secret.length : null,
    });
  }
}
