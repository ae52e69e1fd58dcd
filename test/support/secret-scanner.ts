import { encodeBase32, encodeHex } from '../../src/domain/mfa/secret-encoding';

/**
 * Looks for known secrets in raw bytes (a database file, a dump, a log): each secret is searched in
 * every spelling a careless write would leave (UTF-8 as given, hex, base64; a seed's raw bytes, base32
 * and hex in both cases). One scanner serves both the canaries that must be found and the real secrets
 * that must not, so that a scanner that finds nothing cannot pass for a clean database.
 */
export interface KnownSecret {
  /** What the secret is, for the report (never the value). */
  label: string;
  needles: Needle[];
}

interface Needle {
  encoding: string;
  bytes: Buffer;
  /** Digits only (an emailed code): a match must not sit inside a longer run of digits. */
  digitBounded: boolean;
}

export interface Finding {
  label: string;
  encoding: string;
  source: string;
  offset: number;
}

export interface Haystack {
  source: string;
  bytes: Buffer;
}

/** Needles shorter than this would match by chance in megabytes of ciphertext and hashes. */
const MIN_NEEDLE_BYTES = 8;

export class SecretScanner {
  readonly secrets: KnownSecret[] = [];

  /** A secret that is text (a password, a token, a code): as given, and its UTF-8 bytes in hex and base64. */
  addText(label: string, value: string, options: { caseVariants?: boolean } = {}): void {
    const spellings = new Set([value]);
    if (options.caseVariants) spellings.add(value.toUpperCase()).add(value.toLowerCase());
    const needles: Needle[] = [];
    const digitBounded = /^\d+$/.test(value);
    for (const spelling of spellings) {
      const utf8 = Buffer.from(spelling, 'utf8');
      needles.push({ encoding: 'utf8', bytes: utf8, digitBounded });
      for (const [encoding, text] of [
        ['hex', utf8.toString('hex')],
        ['HEX', utf8.toString('hex').toUpperCase()],
        ['base64', utf8.toString('base64').replace(/=+$/, '')],
        ['base64url', utf8.toString('base64url')],
      ] as const) {
        needles.push({ encoding: `${encoding}(utf8)`, bytes: Buffer.from(text), digitBounded: false });
      }
    }
    this.add(label, needles);
  }

  /** A secret that is bytes (a TOTP seed): the raw bytes, base32 and hex in both cases, base64 and base64url. */
  addBytes(label: string, value: Buffer): void {
    const base32 = encodeBase32(value).replace(/=+$/, '');
    const hex = encodeHex(value);
    const spellings: Array<[string, Buffer]> = [
      ['raw bytes', value],
      ['base32', Buffer.from(base32)],
      ['base32 lower case', Buffer.from(base32.toLowerCase())],
      ['hex', Buffer.from(hex.toLowerCase())],
      ['HEX', Buffer.from(hex.toUpperCase())],
      ['base64', Buffer.from(value.toString('base64').replace(/=+$/, ''))],
      ['base64url', Buffer.from(value.toString('base64url'))],
    ];
    this.add(
      label,
      spellings.map(([encoding, bytes]) => ({ encoding, bytes, digitBounded: false })),
    );
  }

  get needleCount(): number {
    return this.secrets.reduce((sum, secret) => sum + secret.needles.length, 0);
  }

  /** Every place any needle of any secret occurs in the haystacks. */
  scan(haystacks: Haystack[]): Finding[] {
    const findings: Finding[] = [];
    for (const { source, bytes } of haystacks) {
      for (const secret of this.secrets) {
        for (const needle of secret.needles) {
          for (let at = bytes.indexOf(needle.bytes); at !== -1; at = bytes.indexOf(needle.bytes, at + 1)) {
            if (needle.digitBounded && (isDigit(bytes[at - 1]) || isDigit(bytes[at + needle.bytes.length]))) continue;
            findings.push({ label: secret.label, encoding: needle.encoding, source, offset: at });
            break;
          }
        }
      }
    }
    return findings;
  }

  private add(label: string, needles: Needle[]): void {
    const kept = needles.filter((needle) => needle.bytes.length >= MIN_NEEDLE_BYTES);
    if (kept.length === 0) throw new Error(`${label}: too short to search for without false matches`);
    this.secrets.push({ label, needles: kept });
  }
}

function isDigit(byte: number | undefined): boolean {
  return byte !== undefined && byte >= 0x30 && byte <= 0x39;
}
