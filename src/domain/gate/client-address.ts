import { isIP } from 'node:net';
import { cidrContains, parsedRanges, type CidrRange } from '../policy/ip-safe-zones';

/**
 * The address of the client a request came from, as the gate must judge it for IP safe zones and for
 * a Basic-auth client's approval. `X-Forwarded-For` is believed only as far as it was written by a
 * proxy we trust: walking it from the right (the hop nearest to us), every address that is a trusted
 * proxy is skipped, and the first one that is not is the client. A client can prepend anything it
 * likes to the header; it cannot forge what a trusted proxy appended after it.
 *
 * @see RFC 7239 §5.2 (the same walk for `Forwarded: for=`), MDN "X-Forwarded-For: selecting an IP address"
 */
export function clientAddress(peer: string, forwardedFor: string | undefined, trustedProxies: readonly string[]): string {
  const trusted = parsedRanges(trustedProxies);
  const peerAddress = unmapped(peer);
  if (!isTrusted(trusted, peerAddress) || forwardedFor === undefined) return peerAddress;
  const hops = forwardedFor
    .split(',')
    .map((hop) => unmapped(hop.trim()))
    .filter((hop) => hop.length > 0);
  for (let index = hops.length - 1; index >= 0; index -= 1) {
    const hop = hops[index] as string;
    // A hop that is not an address at all was not written by a proxy we trust: stop at the last good one.
    if (isIP(hop) === 0) return index === hops.length - 1 ? peerAddress : (hops[index + 1] as string);
    if (!isTrusted(trusted, hop)) return hop;
  }
  return hops[0] ?? peerAddress;
}

function isTrusted(ranges: readonly CidrRange[], address: string): boolean {
  return ranges.some((range) => cidrContains(range, address));
}

/** `::ffff:10.0.0.1` (how Node reports IPv4 peers on a dual-stack socket) as `10.0.0.1`. */
function unmapped(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return mapped ? (mapped[1] as string) : address;
}
