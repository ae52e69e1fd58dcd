import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Random } from '../ports/random';

/**
 * Email codes (CONTRACT "Email codes and the access pass"): an 8-digit code sent to the user's Jira
 * email address, valid 10 minutes, single use, stored hashed, at most 3 sends in 15 minutes.
 *
 * Why HMAC-SHA-256 with a random salt per code, not scrypt as for backup codes: a code lives ten
 * minutes and is then worthless, so a slow hash buys nothing against someone who reads the table
 * later; the salt (one per code) keeps equal codes from showing as equal hashes. The hash is
 * `hmac-sha256$<salt>$<digest>` (base64url).
 */
export const EMAIL_CODE_DIGITS = 8;
export const EMAIL_CODE_TTL_MINUTES = 10;
export const EMAIL_SEND_LIMIT = 3;
export const EMAIL_SEND_WINDOW_MINUTES = 15;

/** What a code was sent for: a verification, or the confirmation of the address before the first factor. */
export type EmailCodePurpose = 'verify' | 'confirm_email';

/** One stored code as the repository returns it: never the code itself. */
export interface StoredEmailCode {
  readonly id: string;
  readonly hash: string;
  readonly purpose: EmailCodePurpose;
  readonly expiresAt: Date;
  readonly usedAt: Date | null;
}

export interface NewEmailCode {
  readonly id: string;
  readonly hash: string;
  readonly purpose: EmailCodePurpose;
  /** The address it went to, kept for the confirmation of that very address. */
  readonly address: string;
  readonly createdAt: Date;
  readonly expiresAt: Date;
}

/** The outcome of `issue`: stored, or refused by the send limit (with when the oldest send leaves the window). */
export type EmailCodeIssue = { readonly issued: true } | { readonly issued: false; readonly oldestSendAt: Date };

/**
 * The email codes of users. Every method is scoped by tenant and account.
 */
export interface EmailCodeRepository {
  /**
   * Stores `code` unless the user already has `limit.max` sends after `limit.since` (any purpose),
   * atomically per user (count and insert serialized), so that concurrent sends on any number of
   * instances get exactly the room there is. Rows older than the window go on the way.
   */
  issue(tenant: string, accountId: string, code: NewEmailCode, limit: { readonly since: Date; readonly max: number }): Promise<EmailCodeIssue>;

  /** The user's codes of `purpose` that have not expired at `now`, used ones included (for `code_reused`). */
  live(tenant: string, accountId: string, purpose: EmailCodePurpose, now: Date): Promise<StoredEmailCode[]>;

  /**
   * Atomic replay guard, one conditional UPDATE: marks the code used if it is unused and unexpired at
   * `now`; answers whether a row changed (false: another request took it first, `code_reused`).
   * Answers the address it was sent to when taken.
   */
  redeem(tenant: string, accountId: string, codeId: string, now: Date): Promise<{ readonly address: string } | null>;

  /** Deletes a code that could not be delivered: it counts toward no limit and can match nothing. */
  discard(tenant: string, accountId: string, codeId: string): Promise<void>;
}

/** Eight random digits, uniformly (rejection sampling: no modulo bias). */
export function generateEmailCode(random: Random): string {
  let code = '';
  while (code.length < EMAIL_CODE_DIGITS) {
    for (const byte of random.bytes(EMAIL_CODE_DIGITS * 2)) {
      if (byte < 250 && code.length < EMAIL_CODE_DIGITS) code += String(byte % 10);
    }
  }
  return code;
}

export function hashEmailCode(code: string, random: Random): string {
  const salt = random.bytes(16);
  return `hmac-sha256$${salt.toString('base64url')}$${digest(code, salt).toString('base64url')}`;
}

/** Whether `typed` (digits only, normalised) is the code behind `hash`. A malformed hash matches nothing. */
export function emailCodeMatches(typed: string, hash: string): boolean {
  const [scheme, salt, stored] = hash.split('$');
  if (scheme !== 'hmac-sha256' || salt === undefined || stored === undefined) return false;
  const expected = Buffer.from(stored, 'base64url');
  const actual = digest(typed, Buffer.from(salt, 'base64url'));
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

function digest(code: string, salt: Buffer): Buffer {
  return createHmac('sha256', salt).update(code, 'utf8').digest();
}

/** What a user may type for an email code: the 8 digits, spaces and dashes allowed between them; else null. */
export function normalizeEmailCode(typed: string): string | null {
  const digits = typed.replace(/[\s-]/g, '');
  return new RegExp(`^\\d{${EMAIL_CODE_DIGITS}}$`).test(digits) ? digits : null;
}

/**
 * Which of the stored codes `typed` is: the match (whether used or not), or none. Each stored code
 * costs one HMAC; a user holds at most `EMAIL_SEND_LIMIT` live codes.
 */
export function findEmailCode(typed: string, stored: readonly StoredEmailCode[]): StoredEmailCode | null {
  return stored.find((code) => emailCodeMatches(typed, code.hash)) ?? null;
}

/** `bob@example.com` → `b***@example.com`: enough for the user to recognise, too little to harvest. */
export function maskEmailAddress(address: string): string {
  const at = address.lastIndexOf('@');
  if (at <= 0) return '***';
  return `${address[0]}***${address.slice(at)}`;
}
