/**
 * How a seed is written down for people and provisioning tools: base32 for authenticator apps and
 * the `otpauth://` URI, base32 in groups of four for typing by hand, and hex for the NFC burner apps
 * of programmable hardware tokens (Token2's iPhone app fills its seed field with the hex value).
 *
 * Decoding is for seeds a person or another system hands us, so a bad value is an expected outcome
 * and comes back as a result, not an exception.
 *
 * @see RFC 4648 §6 (base32 alphabet, padding) and §3.5 (canonical encoding)
 * @see RFC 4648 §8 (base16)
 */

const BASE32_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** The input had a character outside the alphabet, an impossible length, or stray bits. */
export type DecodeResult = { readonly ok: true; readonly bytes: Buffer } | { readonly ok: false; readonly reason: 'malformed' };

/**
 * RFC 4648 base32, upper case. Without padding by default: the Key Uri Format and authenticator apps
 * expect the secret unpadded, and `=` would have to be percent-encoded in a URI.
 */
export function encodeBase32(bytes: Uint8Array, options: { padding?: boolean } = {}): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = ((buffer << 8) | byte) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      out += BASE32_ALPHABET[(buffer >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32_ALPHABET[(buffer << (5 - bits)) & 31];
  if (options.padding === true) out += '='.repeat((8 - (out.length % 8)) % 8);
  return out;
}

/**
 * Base32 decoding of what a person typed or pasted: case-insensitive, ignoring whitespace and dashes
 * (our own grouping), with or without correct `=` padding. Refuses, as RFC 4648 §3.3 asks, any other
 * character, and a final quantum with non-zero unused bits (§3.5), so that decode and encode round-trip.
 */
export function decodeBase32(text: string): DecodeResult {
  const compact = text.replace(/[\s-]/g, '').toUpperCase();
  const unpadded = compact.replace(/=+$/, '');
  const paddingLength = compact.length - unpadded.length;
  if (paddingLength > 0 && compact.length % 8 !== 0) return { ok: false, reason: 'malformed' };
  // Lengths that no whole number of bytes encodes to (RFC 4648 §6: 1, 3 or 6 leftover characters).
  if ([1, 3, 6].includes(unpadded.length % 8) || paddingLength > 6) return { ok: false, reason: 'malformed' };

  const out: number[] = [];
  let buffer = 0;
  let bits = 0;
  for (const char of unpadded) {
    const value = BASE32_ALPHABET.indexOf(char);
    if (value < 0) return { ok: false, reason: 'malformed' };
    buffer = ((buffer << 5) | value) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      out.push((buffer >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  if ((buffer & ((1 << bits) - 1)) !== 0) return { ok: false, reason: 'malformed' };
  return { ok: true, bytes: Buffer.from(out) };
}

/**
 * Base32 in groups of four separated by spaces (`GEZD GNBV GY3T ...`), for typing a seed by hand
 * into an app or a burner tool. Decoding ignores the spaces.
 */
export function formatBase32ForTyping(bytes: Uint8Array, groupSize = 4): string {
  if (!Number.isInteger(groupSize) || groupSize < 1) throw new RangeError('groupSize must be a positive integer');
  const plain = encodeBase32(bytes);
  const groups: string[] = [];
  for (let i = 0; i < plain.length; i += groupSize) groups.push(plain.slice(i, i + groupSize));
  return groups.join(' ');
}

/** Lower-case hex (RFC 4648 §8 permits either case), as hardware-token burner apps take seeds. */
export function encodeHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** Hex decoding of a pasted seed: case-insensitive, whitespace, `-` and `:` ignored, optional `0x`. */
export function decodeHex(text: string): DecodeResult {
  const compact = text.replace(/[\s:-]/g, '').replace(/^0x/i, '');
  if (compact.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(compact)) return { ok: false, reason: 'malformed' };
  return { ok: true, bytes: Buffer.from(compact, 'hex') };
}
