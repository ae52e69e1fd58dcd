/**
 * The two encodings OAuth 1.0 lives with: its own strict percent-encoding (for the base string and the
 * Authorization header) and the looser `application/x-www-form-urlencoded` decoding (for query strings,
 * form bodies and the token endpoints' answers).
 */

const UNRESERVED = /^[A-Za-z0-9\-._~]$/;

/**
 * Percent-encodes a value the way OAuth requires: UTF-8 octets, every octet outside RFC 3986's unreserved
 * set escaped, upper-case hex. `encodeURIComponent` is close but leaves `!*'()` alone, which breaks signatures.
 * @see RFC 5849 §3.6
 */
export function percentEncode(value: string): string {
  let out = '';
  for (const char of value) {
    if (UNRESERVED.test(char)) {
      out += char;
      continue;
    }
    for (const byte of Buffer.from(char, 'utf8')) out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/**
 * Decodes `%XX` escapes as UTF-8 octets. Characters that are not escaped count as their own UTF-8
 * octets, taken per code point: a character outside the BMP (an emoji) is one code point but two UTF-16
 * units, and encoding each unit alone would turn it into two U+FFFD. Tolerant on purpose: a stray `%`
 * (which a server or proxy may send) stays as it is instead of throwing, because the decoder also reads
 * untrusted answers.
 * @see RFC 3986 §2.1, §2.5
 */
export function percentDecode(value: string): string {
  if (!value.includes('%')) return value;
  const bytes: number[] = [];
  let i = 0;
  while (i < value.length) {
    const hex = value.slice(i + 1, i + 3);
    if (value[i] === '%' && /^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(parseInt(hex, 16));
      i += 3;
      continue;
    }
    const char = String.fromCodePoint(value.codePointAt(i) ?? 0xfffd);
    bytes.push(...Buffer.from(char, 'utf8'));
    i += char.length;
  }
  return Buffer.from(bytes).toString('utf8');
}

/**
 * Parses an `application/x-www-form-urlencoded` string into name/value pairs, in order, keeping repeats
 * (`a3=a&a3=2+q` is two parameters). `+` means a space here and MUST be decoded (RFC 5849 §3.4.1.3.1 notes it).
 * A name without `=` has an empty value (`c2`); empty segments (`a=1&&b=2`) carry no parameter.
 * @see W3C HTML 4.01 §17.13.4
 */
export function parseFormEncoded(text: string): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  for (const segment of text.split('&')) {
    if (segment === '') continue;
    const eq = segment.indexOf('=');
    const name = eq === -1 ? segment : segment.slice(0, eq);
    const value = eq === -1 ? '' : segment.slice(eq + 1);
    pairs.push([formDecode(name), formDecode(value)]);
  }
  return pairs;
}

function formDecode(text: string): string {
  return percentDecode(text.replace(/\+/g, ' '));
}
