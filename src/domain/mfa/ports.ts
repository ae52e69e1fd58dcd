import type { AuditEntry } from '../audit/audit-log';
import type { IdMapping } from '../idmap/two-factor-ids';
import type { StoredBackupCode } from './backup-code-hash';
import type { BrowserSessionRecord } from './browser-session';
import type { FailureState } from './lockout';
import type { TotpParameters } from './otp-parameters';
import type { VerificationSession } from './session';

/**
 * What the MFA domain needs from persistence. The database adapters implement these; `src/app.ts`
 * wires them. Every method is scoped by tenant and account, so that one tenant's data can never be
 * reached with another's key.
 *
 * The methods documented as atomic must be one conditional statement (or one transaction) whose
 * affected-row count is the answer: that is what makes a code single-use and a failure budget
 * binding when two app instances share one Postgres. A read followed by a separate write is not
 * enough.
 *
 * @see RFC 6238 §5.2 (a verifier MUST NOT accept the second attempt of an OTP after a success)
 */

/** The tenant: the Connect `clientKey` today; kept opaque so the domain survives a host change. */
export type TenantId = string;
/** The user: the Atlassian `accountId`. */
export type AccountId = string;

/** A credential is `pending` from enrollment until the user types a valid code, then `active`. */
export type TotpCredentialStatus = 'pending' | 'active';

export interface TotpCredential {
  readonly id: string;
  readonly tenant: TenantId;
  readonly accountId: AccountId;
  readonly status: TotpCredentialStatus;
  /** The raw secret. The repository seals it with SecretBox at rest and unseals it on read. */
  readonly secret: Buffer;
  readonly params: TotpParameters;
  /** The last time step accepted for this credential; null if none yet. */
  readonly lastUsedStep: number | null;
  readonly createdAt: Date;
  /** When it became active; null while pending. */
  readonly confirmedAt: Date | null;
}

export interface NewTotpCredential {
  readonly secret: Uint8Array;
  readonly params: TotpParameters;
  readonly createdAt: Date;
}

/**
 * What Twofold knows of a user's TOTP enrollment without opening a secret: enough for status pages
 * and for "is there a factor to protect?" checks.
 */
export interface EnrollmentState {
  /** The active credential's parameters and when it was confirmed; null if the user has none. */
  readonly active: { readonly params: TotpParameters; readonly confirmedAt: Date | null } | null;
  /** Whether a set-up is in progress (a pending credential). */
  readonly pending: boolean;
  /** How many of the user's backup codes are unused: read with the rest, so a status page is one statement. */
  readonly unusedBackupCodes: number;
}

/** The outcome of `activate`: whether it switched, and whether an active credential was replaced. */
export type Activation = { readonly activated: false } | { readonly activated: true; readonly replaced: boolean };

export interface TotpCredentialRepository {
  /** The user's active and pending credentials as one query, without reading or unsealing a secret. */
  enrollmentState(tenant: TenantId, accountId: AccountId): Promise<EnrollmentState>;

  /** The user's pending credential with its secret (to check a confirmation code), or null. */
  findPending(tenant: TenantId, accountId: AccountId): Promise<TotpCredential | null>;

  /**
   * Stores a new pending credential (secret sealed), replacing any earlier pending one. The active
   * credential is left alone: re-enrolling replaces it only on confirmation (`activate`). Two calls
   * that overlap are serialized per user: the later one replaces the earlier, neither fails.
   */
  createPending(tenant: TenantId, accountId: AccountId, credential: NewTotpCredential): Promise<TotpCredential>;

  /**
   * Atomic, in one transaction: the pending credential `credentialId` becomes active with
   * `last_used_step = step` (so that the confirmation code cannot be used again to verify) and
   * `confirmed_at = at`, the user's previous active credential, if any, is deleted, and the user's
   * backup codes are replaced by `backupCodeHashes` (none: the set is emptied). One transaction, so
   * that the old codes never outlive the old credential, and a failure leaves both as they were.
   * The switch is `UPDATE ... SET status = 'active' ... WHERE id = :credentialId AND status = 'pending'`;
   * answers `{activated: false}` (and changes nothing) if no row changed: confirmed concurrently, or
   * replaced; else `{activated: true, replaced}`, `replaced` telling whether an active one was deleted.
   * Serialized per user with the other writes of the user's second factor (`createPending`, `replaceSet`).
   */
  activate(tenant: TenantId, accountId: AccountId, credentialId: string, step: number, at: Date, backupCodeHashes: readonly string[]): Promise<Activation>;

  /**
   * Atomic replay guard:
   * `UPDATE totp_credentials SET last_used_step = :step WHERE tenant = :tenant AND account_id = :accountId
   *  AND id = :credentialId AND status = 'active' AND (last_used_step IS NULL OR last_used_step < :step)`.
   * Returns whether a row changed. False means another request accepted this step (or a later one)
   * first: the caller answers `code_reused`.
   *
   * With `success`, what the acceptance earns is written in the same transaction, or nothing is: the
   * user's failure count cleared, the sessions started, the audit entry (as `BackupCodeRepository.redeem`).
   */
  acceptStep(tenant: TenantId, accountId: AccountId, credentialId: string, step: number, success?: VerificationSuccess): Promise<boolean>;

  /**
   * Atomic, in one transaction: the user's second factor entirely (self-removal, an admin's "lost
   * phone" reset): active and pending credentials, backup codes and the 2FA session. A failure half-way
   * must not leave a live session (up to a week) after the factor is gone. Returns what was deleted.
   */
  removeSecondFactor(tenant: TenantId, accountId: AccountId): Promise<{ totpCredentials: number; backupCodesRemoved: number }>;

  /** Deletes the user's pending credential only (enrollment cancelled); returns how many. */
  removePending(tenant: TenantId, accountId: AccountId): Promise<number>;

  /** Which of these users have an active credential (admin listings: one query a page). */
  activeAccounts(tenant: TenantId, accountIds: readonly AccountId[]): Promise<Set<AccountId>>;
}

/** One stored backup code: its hash (backup-code-hash.ts) and when it was used. Never the code. */
export interface BackupCode extends StoredBackupCode {
  readonly id: string;
}

export interface BackupCodeRepository {
  /**
   * Atomic, in one transaction: deletes the user's current set and stores these hashes as the new one.
   * Overlapping calls are serialized per user, so that exactly one set remains: the last one.
   */
  replaceSet(tenant: TenantId, accountId: AccountId, hashes: readonly string[], createdAt: Date): Promise<void>;

  /** Every code of the current set, used ones included (a used code typed again is `code_reused`). */
  list(tenant: TenantId, accountId: AccountId): Promise<BackupCode[]>;

  /**
   * Atomic, in one transaction: a verification with the backup code `codeId` succeeds. The code is
   * marked used with a conditional UPDATE (`used_at IS NULL`), whose affected-row count decides between
   * requests racing with the same code; only if it changed a row, the user's
   * failure count is cleared (`FailureCounterRepository.resetUser`), `success.session` (the account's
   * last verification, for display) and `success.browserSession` (the browser's session, stored by its
   * credential's hash) saved when given (a code entered for an action starts none), and
   * `success.audit` recorded. Answers whether the code was taken; false (`code_reused`) writes
   * nothing. A failure anywhere writes nothing either: the code is not spent on an error the user saw.
   */
  redeem(
    tenant: TenantId,
    accountId: AccountId,
    codeId: string,
    at: Date,
    success: { readonly session: VerificationSession | null; readonly browserSession: BrowserSessionRecord | null; readonly audit: AuditEntry },
  ): Promise<boolean>;

  /** Unused codes left ("3 left"). */
  countUnused(tenant: TenantId, accountId: AccountId): Promise<number>;

  /** Unused codes left for each of these users who has any (admin listings). */
  countUnusedMany(tenant: TenantId, accountIds: readonly AccountId[]): Promise<Map<AccountId, number>>;
}

/**
 * Lockout counters (lockout.ts): one row per user, and one per tenant for the spray brake. Every
 * write is one atomic statement, so that concurrent attempts on any number of app instances can
 * neither lose a count nor both spend the same place in the budget.
 */
export interface FailureCounterRepository {
  /**
   * Atomic, one statement: reserves an attempt of the user *before* its code is looked at. An upsert
   * that adds one to the count if the window is still open at `now`, else opens a new window at
   * `now` with a count of 1, and returns the state after it (`RETURNING`). The returned `failures`
   * is this attempt's place in the window: the caller evaluates the code only if the place is within
   * the budget (lockout.ts `checkReservedAttempt`). A reserved attempt that fails stays counted.
   */
  reserveAttempt(tenant: TenantId, accountId: AccountId, now: Date, windowMinutes: number): Promise<FailureState>;

  /**
   * Atomic: gives back a reserved place that was no guess (a code already used, an attempt refused
   * unseen): one less, never below 0, and only while the counter is still in the window the place
   * was reserved in (`windowStartedAt`), so that a place is never taken from a later window or from a
   * count a success has cleared.
   */
  releaseAttempt(tenant: TenantId, accountId: AccountId, windowStartedAt: Date): Promise<void>;

  /**
   * Atomic: locks the user until `until` (only ever later), if the counter is still in the window
   * `windowStartedAt`: a success that cleared the count meanwhile wins over a failure that raced it.
   */
  lockUser(tenant: TenantId, accountId: AccountId, windowStartedAt: Date, until: Date): Promise<void>;

  /**
   * Atomic increment of the tenant-wide count, in one statement (an upsert whose update keeps the
   * window if it is still open at `now`, else opens a new one at `now` with a count of 1). Counted
   * after a wrong code only. Returns the state after.
   */
  countTenantFailure(tenant: TenantId, now: Date, windowMinutes: number): Promise<FailureState>;

  /** Clears the user's count and lockout (a success, an admin reset or unlock). Never the tenant's. */
  resetUser(tenant: TenantId, accountId: AccountId): Promise<void>;

  /** When the lockout of each of these users ends, for those locked out at `now` (admin listings). */
  lockedUntilMany(tenant: TenantId, accountIds: readonly AccountId[], now: Date): Promise<Map<AccountId, Date>>;
}

/**
 * The account's last verification, kept for display (`lastVerifiedAt`) only: whether a browser is
 * verified is asked of its own session (browser-session.ts `BrowserSessionRepository`).
 */
export interface VerificationSessionRepository {
  /** The user's last verification, or null if never verified or cleared. */
  find(tenant: TenantId, accountId: AccountId): Promise<VerificationSession | null>;

  /** Stores the session of a successful verification, replacing the previous one. */
  save(tenant: TenantId, accountId: AccountId, session: VerificationSession): Promise<void>;

  /** Ends the session (admin reset, removal of the second factor). */
  clear(tenant: TenantId, accountId: AccountId): Promise<void>;
}

/**
 * Everything a verification reads before it decides, in one round trip: the user's active
 * credential and both failure counters (absent counters read as `NO_FAILURES`).
 */
export interface VerificationStateReader {
  read(
    tenant: TenantId,
    accountId: AccountId,
  ): Promise<{
    credential: TotpCredential | null;
    user: FailureState;
    tenant: FailureState;
  }>;
}

/** What `GET /api/v1/me` shows of a user, read at once (factor-status.ts). */
export interface FactorStatusRecord {
  readonly enrollment: EnrollmentState;
  /** The account's last verification in any browser. */
  readonly lastSession: VerificationSession | null;
  /** The session stored under the asking browser's credential hash, live or not; null when none was asked for. */
  readonly browserSession: VerificationSession | null;
  /** The user's stored 2FA ID, or null when it is still derived from the policy's pattern. */
  readonly idMapping: IdMapping | null;
  /** When the user's lockout ends, if it ends after `now`. */
  readonly lockedUntil: Date | null;
}

/**
 * The status page's read, in one round trip: it runs on every page view of every Twofold page, so the
 * database adapter answers it with one statement instead of one per table.
 */
export interface FactorStatusReader {
  read(tenant: TenantId, accountId: AccountId, browserTokenHash: string | null, now: Date): Promise<FactorStatusRecord>;
}

/** What a verification's success writes with the code's acceptance (`acceptStep`, `redeem`). */
export interface VerificationSuccess {
  readonly session: VerificationSession | null;
  readonly browserSession: BrowserSessionRecord | null;
  readonly audit: AuditEntry;
}
