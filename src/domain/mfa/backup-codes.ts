import { InvariantError } from '../errors';
import type { Random } from '../ports/random';

/**
 * Backup codes: single-use codes a user writes down for when the phone or token is gone.
 *
 * The alphabet leaves out characters people confuse when reading them off paper or typing them in:
 * 0/O, 1/I/L, and U (which reads as V and, as in Crockford's base32, keeps accidental words out).
 * That leaves 30 symbols, so eight of them carry only 39.3 bits; a code is ten symbols shown as
 * `XXXXX-XXXXX`, 10 × log2(30) ≈ 49.1 bits. Online guessing is bounded by lockout.ts; offline
 * guessing against a stolen database by the slow hash in backup-code-hash.ts.
 *
 * @see NIST SP 800-63B §5.1.2 (look-up secrets: at least 20 bits of entropy, from an approved RNG)
 */

export const BACKUP_CODE_ALPHABET = '23456789ABCDEFGHJKMNPQRSTVWXYZ';
/** Symbols per code, not counting the dash. */
export const BACKUP_CODE_LENGTH = 10;
export const BACKUP_CODE_ENTROPY_BITS = BACKUP_CODE_LENGTH * Math.log2(BACKUP_CODE_ALPHABET.length);
export const DEFAULT_BACKUP_CODE_COUNT = 10;
export const MIN_BACKUP_CODE_COUNT = 10;
export const MAX_BACKUP_CODE_COUNT = 30;

/** Bytes below this map uniformly onto the alphabet (8 × 30); the rest are drawn again. */
const UNBIASED_LIMIT = 256 - (256 % BACKUP_CODE_ALPHABET.length);

/** `ABCDE23456` → `ABCDE-23456`, as shown to the user. */
export function formatBackupCode(normalized: string): string {
  const half = BACKUP_CODE_LENGTH / 2;
  return `${normalized.slice(0, half)}-${normalized.slice(half)}`;
}

/**
 * What the user typed, as the ten symbols that are hashed: upper case, without whitespace or dashes.
 * Null when the result is not ten symbols of the alphabet, so that nothing is hashed for it.
 */
export function normalizeBackupCode(typed: string): string | null {
  if (typeof typed !== 'string' || typed.length > 64) return null;
  const compact = typed
    .normalize('NFKC')
    .replace(/[\s\-\u2010-\u2015\u2212]/g, '')
    .toUpperCase();
  if (compact.length !== BACKUP_CODE_LENGTH) return null;
  for (const char of compact) if (!BACKUP_CODE_ALPHABET.includes(char)) return null;
  return compact;
}

/** One code's symbols from the injected CSPRNG, by rejection sampling so that every symbol is equally likely. */
function randomSymbols(random: Random, length: number): string {
  let out = '';
  // Each round keeps 15/16 of its bytes on average; a source that keeps failing is broken, not unlucky.
  for (let round = 0; out.length < length; round += 1) {
    if (round === 64) throw new InvariantError('The random source keeps returning unusable bytes.');
    for (const byte of random.bytes(length * 2)) {
      if (byte >= UNBIASED_LIMIT) continue;
      out += BACKUP_CODE_ALPHABET[byte % BACKUP_CODE_ALPHABET.length];
      if (out.length === length) break;
    }
  }
  return out;
}

/**
 * A new set of `count` distinct codes, formatted `XXXXX-XXXXX`. They are shown to the user once;
 * only their hashes (backup-code-hash.ts) are kept.
 */
export function generateBackupCodes(random: Random, count: number = DEFAULT_BACKUP_CODE_COUNT): string[] {
  if (!Number.isInteger(count) || count < MIN_BACKUP_CODE_COUNT || count > MAX_BACKUP_CODE_COUNT) {
    throw new InvariantError(`A backup code set has ${MIN_BACKUP_CODE_COUNT} to ${MAX_BACKUP_CODE_COUNT} codes.`, { count });
  }
  const codes = new Set<string>();
  while (codes.size < count) codes.add(randomSymbols(random, BACKUP_CODE_LENGTH));
  return [...codes].map(formatBackupCode);
}
