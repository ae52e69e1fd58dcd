import { hasUnsafeCharacters, UNSAFE_CHARACTERS_PROBLEM } from '../text/unsafe-characters';
/**
 * 2FA IDs: the name a user's second factor goes by (the label in the authenticator app, SecSign's
 * "SecSign ID"), derived from the tenant's ID pattern unless an admin or the user assigned one.
 *
 * Placeholders, as SecSign's rollout knows them:
 * - `%email%`: the Atlassian account's email address (lower case);
 * - `%emailLocalPart%`: the part of it before the `@`;
 * - `%username%`: the Server/Data Center username. Jira Cloud has no usernames any more, so on Cloud
 *   it is the email's local part, as SecSign's "user name followed by your company" reads there;
 * - `%accountId%`: the Atlassian accountId, which every user has.
 *
 * A pattern that needs a value the host does not give (an email address hidden by the user's
 * privacy settings) yields no ID: the caller falls back to the accountId.
 */

export const ID_PLACEHOLDERS = ['%username%', '%email%', '%emailLocalPart%', '%accountId%'] as const;
export type IdPlaceholder = (typeof ID_PLACEHOLDERS)[number];

export const MAX_TWO_FACTOR_ID_LENGTH = 128;
export const MAX_ID_PATTERN_LENGTH = 200;

/** What the host tells about a user that a pattern may use. */
export interface IdSubject {
  readonly accountId: string;
  readonly emailAddress: string | null;
  /** Server/Data Center only; null on Cloud. */
  readonly username?: string | null;
}

export type ExpandIdPatternResult = { readonly ok: true; readonly twoFactorId: string } | { readonly ok: false; readonly missing: IdPlaceholder };

const PLACEHOLDER = /%[A-Za-z]+%/g;

/** Why `pattern` is not a usable ID pattern, or null. */
export function idPatternProblem(pattern: unknown): string | null {
  if (typeof pattern !== 'string' || pattern.trim().length === 0) return 'must be text with at least one placeholder';
  if (pattern.length > MAX_ID_PATTERN_LENGTH) return `must be at most ${MAX_ID_PATTERN_LENGTH} characters`;
  const used = pattern.match(PLACEHOLDER) ?? [];
  const unknown = used.filter((name) => !(ID_PLACEHOLDERS as readonly string[]).includes(name));
  if (unknown.length > 0) return `unknown placeholder ${unknown[0]}; use ${ID_PLACEHOLDERS.join(', ')}`;
  // Without a placeholder every user would get the same ID.
  if (used.length === 0) return `must contain at least one of ${ID_PLACEHOLDERS.join(', ')}`;
  const literal = pattern.replace(PLACEHOLDER, '');
  // eslint-disable-next-line no-control-regex -- control characters are exactly what this refuses
  if (/[\s\u0000-\u001f\u007f]/.test(literal)) return 'must not contain spaces or control characters';
  return null;
}

function placeholderValue(name: IdPlaceholder, subject: IdSubject): string | null {
  const email = subject.emailAddress?.trim().toLowerCase() || null;
  const localPart = email && email.includes('@') ? email.slice(0, email.lastIndexOf('@')) : null;
  switch (name) {
    case '%email%':
      return email;
    case '%emailLocalPart%':
      return localPart;
    case '%username%':
      return subject.username?.trim() || localPart;
    case '%accountId%':
      return subject.accountId;
  }
}

/** The ID the pattern gives this user, or which placeholder had no value. */
export function expandIdPattern(pattern: string, subject: IdSubject): ExpandIdPatternResult {
  let missing: IdPlaceholder | null = null;
  const expanded = pattern.replace(PLACEHOLDER, (name) => {
    const value = placeholderValue(name as IdPlaceholder, subject);
    if (value === null) missing ??= name as IdPlaceholder;
    return value ?? '';
  });
  if (missing !== null) return { ok: false, missing };
  const checked = normalizeTwoFactorId(expanded);
  return checked.ok ? { ok: true, twoFactorId: checked.twoFactorId } : { ok: false, missing: '%accountId%' };
}

export type NormalizeIdResult =
  | { readonly ok: true; readonly twoFactorId: string; /** The uniqueness key: IDs differing only in case clash. */ readonly key: string }
  | { readonly ok: false; readonly problem: string };

/**
 * An ID as stored: NFC, trimmed, 1 to 128 characters, no whitespace or control characters (it is an
 * authenticator app's label and a directory attribute). Uniqueness is case-insensitive, since most
 * IDs are email addresses.
 */
export function normalizeTwoFactorId(text: unknown): NormalizeIdResult {
  if (typeof text !== 'string') return { ok: false, problem: 'must be text' };
  const twoFactorId = text.normalize('NFC').trim();
  if (twoFactorId.length === 0) return { ok: false, problem: 'must not be empty' };
  if (twoFactorId.length > MAX_TWO_FACTOR_ID_LENGTH) return { ok: false, problem: `must be at most ${MAX_TWO_FACTOR_ID_LENGTH} characters` };
  if (/\s/.test(twoFactorId)) return { ok: false, problem: 'must not contain spaces' };
  if (hasUnsafeCharacters(twoFactorId)) return { ok: false, problem: UNSAFE_CHARACTERS_PROBLEM };
  return { ok: true, twoFactorId, key: twoFactorId.toLowerCase() };
}
