import { percentEncode } from './percent-encoding';

/**
 * Normalises the collected parameters into one string: each name and value encoded, sorted by name and then
 * by value in ascending byte order, joined as `name=value` with `&` (an empty value still gets its `=`).
 *
 * The sort compares the encoded strings, which are plain ASCII, so comparing UTF-16 code units is the same
 * as comparing bytes; `localeCompare` would not be.
 * @see RFC 5849 §3.4.1.3.2
 */
export function normalizeParameters(parameters: Iterable<readonly [string, string]>): string {
  const encoded = Array.from(parameters, ([name, value]) => [percentEncode(name), percentEncode(value)] as const);
  encoded.sort(([nameA, valueA], [nameB, valueB]) => compare(nameA, nameB) || compare(valueA, valueB));
  return encoded.map(([name, value]) => `${name}=${value}`).join('&');
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
