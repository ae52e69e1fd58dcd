import { isIPv4, isIPv6 } from 'node:net';

/**
 * IP safe zones: CIDR ranges (IPv4 or IPv6) from which the second factor may be skipped, as SecSign's
 * "IP SafeZone". Parsed strictly so that an admin's typo is named instead of silently widening a zone:
 * a range whose address has bits set beyond its prefix (`10.0.0.1/8`) is refused with the range that
 * was probably meant. A bare address is a single-host range (`/32` or `/128`).
 *
 * @see RFC 4632 §3.1 (CIDR prefix notation) and RFC 4291 §2.3 (IPv6 prefixes)
 */

export interface CidrRange {
  readonly family: 4 | 6;
  /** The network address, 4 or 16 bytes. */
  readonly bytes: Buffer;
  readonly prefix: number;
}

export type ParseCidrResult = { readonly ok: true; readonly range: CidrRange; readonly normalized: string } | { readonly ok: false; readonly problem: string };

const MAX_TEXT = 64;

function ipv4Bytes(text: string): Buffer {
  return Buffer.from(text.split('.').map((part) => Number(part)));
}

/** IPv6 text (any valid form, an embedded IPv4 tail included) as 16 bytes. */
function ipv6Bytes(text: string): Buffer {
  let address = text;
  const tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(address);
  if (tail) {
    const v4 = ipv4Bytes(tail[1] as string);
    address = `${address.slice(0, tail.index)}${v4.readUInt16BE(0).toString(16)}:${v4.readUInt16BE(2).toString(16)}`;
  }
  const [head, rest] = address.includes('::') ? (address.split('::') as [string, string]) : [address, undefined];
  const headGroups = head ? head.split(':') : [];
  const restGroups = rest === undefined ? [] : rest ? rest.split(':') : [];
  const missing = 8 - headGroups.length - restGroups.length;
  const groups = rest === undefined ? headGroups : [...headGroups, ...new Array<string>(missing).fill('0'), ...restGroups];
  const out = Buffer.alloc(16);
  groups.forEach((group, index) => out.writeUInt16BE(Number.parseInt(group, 16), index * 2));
  return out;
}

function formatAddress(family: 4 | 6, bytes: Buffer): string {
  if (family === 4) return [...bytes].join('.');
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(bytes.readUInt16BE(i).toString(16));
  // RFC 5952 §4.2: compress the longest run (two or more) of zero groups.
  let best = { start: -1, length: 0 };
  for (let i = 0; i < 8;) {
    if (groups[i] !== '0') {
      i += 1;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === '0') j += 1;
    if (j - i > best.length) best = { start: i, length: j - i };
    i = j;
  }
  if (best.length < 2) return groups.join(':');
  return `${groups.slice(0, best.start).join(':')}::${groups.slice(best.start + best.length).join(':')}`;
}

function masked(bytes: Buffer, prefix: number): Buffer {
  const out = Buffer.from(bytes);
  for (let bit = prefix; bit < out.length * 8; bit += 1) {
    out[bit >> 3] = (out[bit >> 3] as number) & ~(0x80 >> (bit & 7));
  }
  return out;
}

/** Parses `10.0.0.0/8`, `2001:db8::/32`, or a bare address. */
export function parseCidr(text: unknown): ParseCidrResult {
  if (typeof text !== 'string') return { ok: false, problem: 'must be a CIDR range such as 10.0.0.0/8' };
  const trimmed = text.trim();
  if (trimmed.length === 0 || trimmed.length > MAX_TEXT) return { ok: false, problem: 'must be a CIDR range such as 10.0.0.0/8' };
  const [address = '', prefixText, extra] = trimmed.split('/');
  if (extra !== undefined) return { ok: false, problem: 'has more than one "/"' };
  const family: 4 | 6 | null = isIPv4(address) ? 4 : isIPv6(address) && !address.includes('%') ? 6 : null;
  if (family === null) return { ok: false, problem: `"${address}" is not an IPv4 or IPv6 address` };
  const bits = family === 4 ? 32 : 128;
  if (prefixText !== undefined && !/^\d{1,3}$/.test(prefixText)) return { ok: false, problem: `the prefix length must be a number from 0 to ${bits}` };
  const prefix = prefixText === undefined ? bits : Number(prefixText);
  if (prefix > bits) return { ok: false, problem: `the prefix length must be a number from 0 to ${bits}` };
  const bytes = family === 4 ? ipv4Bytes(address) : ipv6Bytes(address);
  const network = masked(bytes, prefix);
  const normalized = `${formatAddress(family, network)}/${prefix}`;
  if (!network.equals(bytes)) return { ok: false, problem: `has host bits set; did you mean ${normalized}?` };
  return { ok: true, range: { family, bytes: network, prefix }, normalized };
}

/**
 * Whether `ip` (as a request's client address reads, IPv4-mapped IPv6 included) lies in `range`.
 * An unparsable address is in no zone.
 */
export function cidrContains(range: CidrRange, ip: string): boolean {
  let address = ip.trim();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped && range.family === 4) address = mapped[1] as string;
  const family = isIPv4(address) ? 4 : isIPv6(address) ? 6 : null;
  if (family !== range.family) return false;
  const bytes = family === 4 ? ipv4Bytes(address) : ipv6Bytes(address);
  return masked(bytes, range.prefix).equals(range.bytes);
}

/** Parsed lists, kept per list object: the gate asks about the same policy's lists on every request. */
const parsedLists = new WeakMap<readonly string[], CidrRange[]>();

/** The ranges of a (validated) list of CIDR texts, parsed once per list object. */
export function parsedRanges(zones: readonly string[]): CidrRange[] {
  let ranges = parsedLists.get(zones);
  if (ranges === undefined) {
    ranges = zones.map((zone) => parseCidr(zone)).flatMap((parsed) => (parsed.ok ? [parsed.range] : []));
    parsedLists.set(zones, ranges);
  }
  return ranges;
}

/** Whether `ip` lies in any of the (already validated) safe zones. */
export function inSafeZone(zones: readonly string[], ip: string | undefined): boolean {
  if (!ip || zones.length === 0) return false;
  return parsedRanges(zones).some((range) => cidrContains(range, ip));
}
