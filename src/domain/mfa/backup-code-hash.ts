import { scrypt, timingSafeEqual } from 'node:crypto';
import { InvariantError } from '../errors';
import type { Random } from '../ports/random';
import { generateBackupCodes, normalizeBackupCode } from './backup-codes';

/**
 * Storing and checking backup codes as hashes only.
 *
 * Why scrypt, with one random salt per set: a code has about 49 bits of entropy. That is plenty
 * against online guessing (lockout allows a handful of tries), but a fast keyed hash such as
 * HMAC-SHA-256 leaves 2^49 guesses to anyone who steals the database *and* the key, hours on a GPU.
 * scrypt at N = 2^14, r = 8 (16 MiB, about 30 ms here) makes that 2^49 × 30 ms: out of reach. The salt
 * is shared by the codes of one set, so a verification costs one scrypt, not one per stored code
 * (which would put 300 ms on every attempt); distinct salts per set still stop any precomputation
 * across users. scrypt runs on libuv's thread pool, so the event loop stays free.
 *
 * Each hash is a self-describing string `scrypt$ln=14,r=8,p=1$<salt>$<hash>` (PHC-style, base64
 * without padding), so that the cost can be raised later without a schema change.
 *
 * @see RFC 7914 (scrypt)
 * @see NIST SP 800-63B §5.1.2.2 (look-up secret verifiers: salted, costly hash; used once)
 */

interface ScryptCost {
  readonly logN: number;
  readonly r: number;
  readonly p: number;
}

const COST: ScryptCost = { logN: 14, r: 8, p: 1 };
const SALT_BYTES = 16;
const HASH_BYTES = 32;
const FORMAT = /^scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d)\$([A-Za-z0-9+/]{22})\$([A-Za-z0-9+/]{43})$/;

/** A stored code as the repository returns it. */
export interface StoredBackupCode {
  readonly hash: string;
  readonly usedAt: Date | null;
}

export type VerifyBackupCodeResult<T extends StoredBackupCode> =
  { readonly ok: true; readonly index: number; readonly code: T } | { readonly ok: false; readonly reason: 'invalid_code' | 'code_reused' | 'malformed' };

function derive(normalized: string, salt: Buffer, cost: ScryptCost): Promise<Buffer> {
  const N = 2 ** cost.logN;
  const maxmem = 256 * N * cost.r * cost.p;
  return new Promise((resolve, reject) => {
    scrypt(normalized, salt, HASH_BYTES, { N, r: cost.r, p: cost.p, maxmem }, (error, key) =>
      error ? reject(new InvariantError('Hashing a backup code failed.', undefined, error)) : resolve(key),
    );
  });
}

const b64 = (bytes: Buffer): string => bytes.toString('base64').replace(/=+$/, '');

interface ParsedHash {
  readonly cost: ScryptCost;
  readonly salt: Buffer;
  readonly hash: Buffer;
  /** Identifies cost and salt: codes that share it share one derivation. */
  readonly group: string;
}

/** A stored hash we cannot read is corrupt data, not a wrong code: it throws. */
function parseHash(stored: string): ParsedHash {
  const match = FORMAT.exec(stored);
  const [, ln, r, p, salt, hash] = match ?? [];
  const cost = { logN: Number(ln), r: Number(r), p: Number(p) };
  if (!match || cost.logN < 14 || cost.logN > 16 || cost.r < 8 || cost.r > 16 || cost.p < 1 || cost.p > 4) {
    throw new InvariantError('A stored backup code hash is not in a known format.');
  }
  return {
    cost,
    salt: Buffer.from(salt as string, 'base64'),
    hash: Buffer.from(hash as string, 'base64'),
    group: `${ln},${r},${p},${salt}`,
  };
}

/** Hashes codes of one set (formatted or not) under one fresh salt. Throws if a code is not a backup code. */
export async function hashBackupCodes(codes: readonly string[], random: Random): Promise<string[]> {
  const salt = Buffer.from(random.bytes(SALT_BYTES));
  if (salt.length !== SALT_BYTES) throw new InvariantError('The random source returned the wrong number of bytes.', { got: salt.length });
  const prefix = `scrypt$ln=${COST.logN},r=${COST.r},p=${COST.p}$${b64(salt)}$`;
  return Promise.all(
    codes.map(async (code) => {
      const normalized = normalizeBackupCode(code);
      if (normalized === null) throw new InvariantError('Only backup codes can be hashed as backup codes.');
      return prefix + b64(await derive(normalized, salt, COST));
    }),
  );
}

/** A new set: the codes to show once, and the hashes to store, in the same order. */
export async function createBackupCodeSet(random: Random, count?: number): Promise<{ readonly codes: string[]; readonly hashes: string[] }> {
  const codes = generateBackupCodes(random, count);
  return { codes, hashes: await hashBackupCodes(codes, random) };
}

/**
 * Checks a typed code against a user's stored codes, used ones included, comparing against every
 * stored hash in constant time without stopping at a match. An unused match returns its index and
 * record, for the caller to redeem with the atomic `BackupCodeRepository.redeem` (a lost race
 * there means `code_reused`). A match with only a used code is `code_reused`.
 */
export async function verifyBackupCode<T extends StoredBackupCode>(typed: string, stored: readonly T[]): Promise<VerifyBackupCodeResult<T>> {
  const normalized = normalizeBackupCode(typed);
  if (normalized === null) return { ok: false, reason: 'malformed' };
  const parsed = stored.map((code) => parseHash(code.hash));
  // One derivation per salt (normally one per attempt), all started before any is awaited.
  const groups = new Map<string, ParsedHash>(parsed.map((entry) => [entry.group, entry]));
  const derived = new Map<string, Buffer>(
    await Promise.all([...groups].map(async ([group, entry]) => [group, await derive(normalized, entry.salt, entry.cost)] as const)),
  );

  let unusedMatch = -1;
  let usedMatch = false;
  for (const [index, entry] of parsed.entries()) {
    const matches = timingSafeEqual(derived.get(entry.group) as Buffer, entry.hash);
    if (!matches) continue;
    if ((stored[index] as T).usedAt !== null) usedMatch = true;
    else if (unusedMatch < 0) unusedMatch = index;
  }

  if (unusedMatch >= 0) return { ok: true, index: unusedMatch, code: stored[unusedMatch] as T };
  return { ok: false, reason: usedMatch ? 'code_reused' : 'invalid_code' };
}
