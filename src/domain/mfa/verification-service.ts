import type { AuditEntry, AuditLog } from '../audit/audit-log';
import { TwofoldError } from '../errors';
import type { Clock } from '../ports/clock';
import type { Random } from '../ports/random';
import type { TenantPolicy } from '../policy/policy';
import { verifyBackupCode } from './backup-code-hash';
import { normalizeBackupCode } from './backup-codes';
import { AttemptBudget, lockedOut, refuseIfLockedOut } from './attempt-budget';
import { issueBrowserSession, type BrowserSessionRecord, type BrowserSessionRepository, type IssuedBrowserSession } from './browser-session';
import type {
  BackupCodeRepository,
  FailureCounterRepository,
  TotpCredential,
  TotpCredentialRepository,
  VerificationSessionRepository,
  VerificationStateReader,
} from './ports';
import { findEmailCode, normalizeEmailCode, type EmailCodeRepository } from './email-code';
import { startSession, type VerificationSession } from './session';
import { normalizeTotpCode, verifyTotp } from './verify-totp';

/** What the user typed: a code from the app or token, a backup code, or a code sent by email. */
export type VerificationInput = { readonly code: string } | { readonly backupCode: string } | { readonly emailCode: string };

export interface VerificationContext {
  readonly tenant: string;
  readonly accountId: string;
  readonly policy: TenantPolicy;
}

export interface VerificationDeps {
  /** The credential and both counters in one read (the hot path's only SELECT). */
  readonly state: VerificationStateReader;
  readonly credentials: TotpCredentialRepository;
  readonly backupCodes: BackupCodeRepository;
  readonly failures: FailureCounterRepository;
  /** The account's last verification, kept for display only (`lastVerifiedAt`). */
  readonly sessions: VerificationSessionRepository;
  /** The sessions that count: one per browser that verified (browser-session.ts). */
  readonly browserSessions: BrowserSessionRepository;
  readonly audit: AuditLog;
  readonly clock: Clock;
  /** The browser session credential's 256 bits. */
  readonly random: Random;
  /** Codes sent by email (email-code.ts); without it, `{emailCode}` is refused as `method_disabled`. */
  readonly emailCodes?: EmailCodeRepository;
}

type Method = 'totp' | 'backup_code' | 'email' | ApprovalMethod;

/** A way to verify that is approved elsewhere (the access pass on a paired phone), not typed as a code. */
export type ApprovalMethod = 'access_pass';

/** A verification that started a session of the browser that sent the code. */
export interface Verified {
  readonly verifiedAt: Date;
  readonly verifiedUntil: Date;
  readonly method: Method;
  /** The browser's session credential, for the page to keep and present (shown once, stored hashed). */
  readonly sessionToken: string;
  /** Unused backup codes left, after a backup code was used. */
  readonly backupCodesLeft?: number;
}

/**
 * The sensitive changes that need a code entered for that very action (not a session): replacing or
 * removing a factor, new backup codes. Named in the audit entry of the code's use.
 */
export type ProtectedAction = 'totp.remove' | 'totp.replace' | 'backup_codes.regenerate' | 'admin.reset_own';

/** What a success writes: a browser session (verify), or nothing but the code's use (an action). */
type Purpose = { readonly kind: 'session' } | { readonly kind: 'action'; readonly action: ProtectedAction };

/**
 * `POST /api/v1/me/verify`: checks a code, keeps it single-use, counts failures and locks out, and
 * starts a 2FA session of the browser that sent it (browser-session.ts). The one place a code is
 * checked: a code entered for a sensitive action (`proveForAction`) goes through the same steps.
 *
 * The order matters:
 * 1. One read: the credential and both counters. A user locked out by it is refused at once, with
 *    nothing written and no code looked at; so is a user with no factor, and input that cannot be a
 *    code of the user's credential (`400`, not a guess: it costs no attempt).
 * 2. The attempt reserves its place in the user's budget with one atomic increment, *before* the code
 *    is evaluated, and is evaluated only if that place is within the budget (lockout.ts). A burst of
 *    concurrent guesses, on any number of instances, therefore gets at most `maxFailures` codes
 *    looked at; the rest are refused unseen and give their place back.
 * 3. A matching code is accepted only through the repository's conditional UPDATE (`acceptStep`,
 *    `redeem`), whose affected-row count decides between two requests racing with the same code:
 *    the loser answers `code_reused`.
 * 4. A success clears the user's count; a wrong code stays counted (and counts toward the tenant's
 *    spray brake); `code_reused` gives its place back: only someone who saw a valid code can send
 *    one, and a double-submitted form must not cost the user an attempt. It is audited.
 *
 * @see RFC 6238 §5.2 and RFC 4226 §7.3
 */
export class VerificationService {
  private readonly budget: AttemptBudget;

  constructor(private readonly deps: VerificationDeps) {
    this.budget = new AttemptBudget(deps.failures);
  }

  /** `POST /api/v1/me/verify`: a code that starts a 2FA session of the browser that sent it. */
  async verify(context: VerificationContext, input: VerificationInput): Promise<Verified> {
    const success = await this.check(context, input, { kind: 'session' });
    if (success.issued === null) throw new Error('a verification for a session started none');
    return {
      verifiedAt: success.issued.record.verifiedAt,
      verifiedUntil: success.issued.record.verifiedUntil,
      method: success.method,
      sessionToken: success.issued.token,
      ...(success.backupCodesLeft === undefined ? {} : { backupCodesLeft: success.backupCodesLeft }),
    };
  }

  /**
   * A code entered for one sensitive action: the same checks, budget, replay guard and audit as a
   * verification, but it starts no session (the code proves this request, nothing after it).
   */
  async proveForAction(context: VerificationContext, input: VerificationInput, action: ProtectedAction): Promise<{ method: Method }> {
    const success = await this.check(context, input, { kind: 'action', action });
    return { method: success.method };
  }

  /**
   * An approval given elsewhere (the access pass, answered on the user's paired phone): it starts a
   * session of the browser that asked, exactly as a code does, under the same rules. A user locked out
   * is refused (`429 locked_out`, nothing written), and so is one whose factor was reset meanwhile
   * (`409 not_enrolled`); else `claim` takes the approval (once: a second
   * poll of the same approval gets null, no second session), the user's failure count is cleared, and
   * it is audited as `verify.succeeded` with its `method`.
   */
  async verifyApproval(
    context: VerificationContext,
    method: ApprovalMethod,
    claim: () => Promise<boolean>,
    detail: Record<string, string | number | boolean | null> = {},
  ): Promise<Verified | null> {
    const { tenant, accountId, policy } = context;
    const now = this.deps.clock.now();
    const state = await this.deps.state.read(tenant, accountId);
    refuseIfLockedOut(policy.lockout, state, now);
    // A phone is paired to a factor: an approval that outlived a reset of the user's factors starts nothing.
    if (!state.credential) throw notEnrolled();
    if (!(await claim())) return null;
    const session = startSession(now, policy);
    const issued = issueBrowserSession(this.deps.random, session);
    await Promise.all([
      this.deps.failures.resetUser(tenant, accountId),
      this.deps.sessions.save(tenant, accountId, session),
      this.deps.browserSessions.create(tenant, accountId, issued.record, now),
      this.audit(context, 'verify.succeeded', { method, ...detail }),
    ]);
    return { verifiedAt: issued.record.verifiedAt, verifiedUntil: issued.record.verifiedUntil, method, sessionToken: issued.token };
  }

  /**
   * A failed approval that counts as a wrong code (the phone picked the wrong symbol): one place in the
   * user's budget, held and failed as a wrong code is, audited as `verify.failed`, locking the user at
   * the limit. A user locked out already stays so, with the failure audited.
   */
  async recordApprovalFailure(context: VerificationContext, method: ApprovalMethod, reason: string): Promise<void> {
    const { tenant, accountId, policy } = context;
    const now = this.deps.clock.now();
    const state = await this.deps.state.read(tenant, accountId);
    let held;
    try {
      held = await this.budget.open({ tenant, accountId, lockout: policy.lockout }, state, now);
    } catch (error) {
      if (!(error instanceof TwofoldError && error.code === 'locked_out')) throw error;
      await this.audit(context, 'verify.failed', { method, reason });
      return;
    }
    const [failed] = await Promise.all([held.failed(), this.audit(context, 'verify.failed', { method, reason, failures: held.failures })]);
    if (failed.locked) await this.audit(context, 'lockout', { scope: failed.locked.scope, until: failed.locked.until.toISOString() });
  }

  private async check(context: VerificationContext, input: VerificationInput, purpose: Purpose): Promise<Success> {
    const { tenant, accountId, policy } = context;
    const { clock } = this.deps;
    const now = clock.now();

    const state = await this.deps.state.read(tenant, accountId);
    // A user locked out by the read is refused before anything else, with nothing written.
    refuseIfLockedOut(policy.lockout, state, now);
    // An email code proves the user's Jira mailbox, not an enrolled factor: it needs no credential.
    const credential = state.credential;
    if (!credential && !('emailCode' in input)) throw notEnrolled();
    const typed =
      'emailCode' in input
        ? parseEmailCode(input.emailCode, policy, purpose.kind === 'session' ? this.deps.emailCodes : undefined)
        : parseInput(input, credential as TotpCredential, policy);
    const held = await this.budget.open({ tenant, accountId, lockout: policy.lockout }, state, now);
    const session = purpose.kind === 'session' ? startSession(now, policy) : null;
    const issued = session === null ? null : issueBrowserSession(this.deps.random, session);
    const forAction: Record<string, string> = purpose.kind === 'action' ? { for: purpose.action } : {};

    let outcome: Outcome;
    try {
      outcome =
        typed.method === 'backup_code'
          ? await this.checkBackupCode(context, typed.code, now, { session, browser: issued?.record ?? null, detail: forAction })
          : typed.method === 'email'
            ? await this.checkEmailCode(context, typed.code, now)
            : await this.checkTotp(context, credential as TotpCredential, typed.code, now, { session, browser: issued?.record ?? null, detail: forAction });
    } catch (error) {
      // Nothing was decided about the code: the attempt is not counted against the user.
      await held.giveBack().catch(() => undefined);
      throw error;
    }

    if (outcome.ok) {
      if (outcome.method === 'backup_code') return { method: outcome.method, issued, backupCodesLeft: outcome.remaining };
      if (outcome.method === 'email') {
        // The code is spent already (`redeem`, single use); what it earns follows as statements of their
        // own. Email codes are not the hot path, and a failure here costs the user only that code.
        await Promise.all([
          this.deps.failures.resetUser(tenant, accountId),
          session === null ? undefined : this.deps.sessions.save(tenant, accountId, session),
          issued === null ? undefined : this.deps.browserSessions.create(tenant, accountId, issued.record, now),
          this.audit(context, 'verify.succeeded', { method: 'email', ...forAction }),
        ]);
        return { method: outcome.method, issued };
      }
      // TOTP: the step's acceptance committed with everything it earns (`acceptStep` with a success).
      return { method: outcome.method, issued };
    }

    if (outcome.reason === 'code_reused') {
      await Promise.all([held.giveBack(), this.audit(context, 'verify.failed', { method: outcome.method, reason: 'code_reused', ...forAction })]);
      throw new TwofoldError(
        'code_reused',
        outcome.method === 'totp'
          ? 'That code was already used. Wait for the next code from your app or token.'
          : outcome.method === 'email'
            ? 'That email code was already used. Ask for a new one.'
            : 'That backup code was already used. Each backup code works once.',
      );
    }

    const [failed] = await Promise.all([
      held.failed(),
      this.audit(context, 'verify.failed', { method: outcome.method, reason: 'invalid_code', failures: held.failures, ...forAction }),
    ]);
    if (failed.locked) {
      await this.audit(context, 'lockout', { scope: failed.locked.scope, until: failed.locked.until.toISOString() });
      throw lockedOut(failed.locked);
    }
    throw new TwofoldError(
      'invalid_code',
      outcome.method === 'totp'
        ? 'That code is not right. Check that you use the entry for this site, and that the time on your phone or token is correct.'
        : outcome.method === 'email'
          ? 'That email code is not right, or it expired (codes last 10 minutes). Check the latest message, or ask for a new code.'
          : 'That backup code is not right.',
      { details: { attemptsLeft: failed.attemptsLeft } },
    );
  }

  private async checkTotp(
    context: VerificationContext,
    credential: TotpCredential,
    code: string,
    now: Date,
    writes: { session: VerificationSession | null; browser: BrowserSessionRecord | null; detail: Record<string, string> },
  ): Promise<Outcome> {
    const { credentials } = this.deps;
    const result = verifyTotp({
      secret: credential.secret,
      code,
      params: credential.params,
      window: context.policy.totp.window,
      at: now,
      lastUsedStep: credential.lastUsedStep,
    });
    if (!result.ok) return { ok: false, method: 'totp', reason: result.reason === 'code_reused' ? 'code_reused' : 'invalid_code' };
    // The decisive step: one conditional UPDATE, in one transaction with the cleared count, the sessions
    // and the audit entry. Losing it means another request took this code first, and nothing is written.
    const audit = this.entry(context, 'verify.succeeded', { method: 'totp', delta: result.delta, ...writes.detail });
    const success = { session: writes.session, browserSession: writes.browser, audit };
    if (!(await credentials.acceptStep(context.tenant, context.accountId, credential.id, result.timeStep, success))) {
      return { ok: false, method: 'totp', reason: 'code_reused' };
    }
    return { ok: true, method: 'totp', detail: { delta: result.delta } };
  }

  /**
   * An email code: any of the user's live codes (at most three) may match; the match is taken by the
   * repository's conditional UPDATE (`redeem`), so that two requests with one code cannot both pass.
   * An expired code is no longer among the live ones: it is simply wrong.
   */
  private async checkEmailCode(context: VerificationContext, typed: string, now: Date): Promise<Outcome> {
    const codes = this.deps.emailCodes as EmailCodeRepository;
    const match = findEmailCode(typed, await codes.live(context.tenant, context.accountId, 'verify', now));
    if (match === null) return { ok: false, method: 'email', reason: 'invalid_code' };
    if (match.usedAt !== null || (await codes.redeem(context.tenant, context.accountId, match.id, now)) === null) {
      return { ok: false, method: 'email', reason: 'code_reused' };
    }
    return { ok: true, method: 'email', detail: {} };
  }

  private async checkBackupCode(
    context: VerificationContext,
    typed: string,
    now: Date,
    writes: { session: VerificationSession | null; browser: BrowserSessionRecord | null; detail: Record<string, string> },
  ): Promise<Outcome> {
    const { backupCodes } = this.deps;
    const stored = await backupCodes.list(context.tenant, context.accountId);
    const result = await verifyBackupCode(typed, stored);
    if (!result.ok) return { ok: false, method: 'backup_code', reason: result.reason === 'code_reused' ? 'code_reused' : 'invalid_code' };
    // The whole success in one transaction (the code spent, the count cleared, the sessions, the audit
    // entry): a backup code spent while the rest failed would be lost for good, with a 500 to show for it.
    const remaining = stored.filter((code) => code.usedAt === null).length - 1;
    const audit = this.entry(context, 'verify.succeeded', { method: 'backup_code', remaining, ...writes.detail });
    if (
      !(await backupCodes.redeem(context.tenant, context.accountId, result.code.id, now, { session: writes.session, browserSession: writes.browser, audit }))
    ) {
      return { ok: false, method: 'backup_code', reason: 'code_reused' };
    }
    return { ok: true, method: 'backup_code', remaining };
  }

  private audit(context: VerificationContext, action: AuditAction, detail: Record<string, string | number | boolean | null>): Promise<void> {
    return this.deps.audit.record(context.tenant, this.entry(context, action, detail));
  }

  private entry(context: VerificationContext, action: AuditAction, detail: Record<string, string | number | boolean | null>): AuditEntry {
    return { at: this.deps.clock.now(), actorAccountId: context.accountId, action, subjectAccountId: context.accountId, detail };
  }
}

type AuditAction = 'verify.succeeded' | 'verify.failed' | 'lockout';

/** A code accepted: the browser session it started (none for an action), and the backup codes left. */
interface Success {
  readonly method: Method;
  readonly issued: IssuedBrowserSession | null;
  readonly backupCodesLeft?: number;
}

/** A success by backup code has its writes done already (`redeem`); a TOTP one does not yet. */
type Outcome =
  | { readonly ok: true; readonly method: 'totp' | 'email'; readonly detail: Record<string, number> }
  | { readonly ok: true; readonly method: 'backup_code'; readonly remaining: number }
  | { readonly ok: false; readonly method: Method; readonly reason: 'invalid_code' | 'code_reused' };

/**
 * Which kind of code the user typed, refusing what cannot be one (`400 invalid_request`): a typing
 * slip is not a guess, so it costs no attempt and gets no "check the time on your phone" advice.
 * A code field may hold a backup code (`XXXXX-XXXXX`): ten symbols can never be a 6- or 8-digit TOTP.
 */
function parseInput(
  input: Exclude<VerificationInput, { emailCode: string }>,
  credential: TotpCredential,
  policy: TenantPolicy,
): { method: Method; code: string } {
  const backupCode = 'backupCode' in input ? input.backupCode : normalizeBackupCode(input.code) !== null ? input.code : null;
  if (backupCode !== null) {
    if (!policy.methods.includes('backup_codes')) {
      throw new TwofoldError('method_disabled', 'Backup codes are turned off on this site. Use the code from your app or token.');
    }
    if (normalizeBackupCode(backupCode) === null) {
      throw new TwofoldError('invalid_request', 'Type a backup code as you wrote it down: ten letters and digits, like ABCDE-23456.', {
        details: { fields: [{ field: 'backupCode', problem: 'must be ten letters and digits' }] },
      });
    }
    return { method: 'backup_code', code: backupCode };
  }
  const code = (input as { code: string }).code;
  const { digits } = credential.params;
  if (normalizeTotpCode(code)?.length !== digits) {
    throw new TwofoldError('invalid_request', `Type the ${digits}-digit code your app or token shows.`, {
      details: { fields: [{ field: 'code', problem: `must be ${digits} digits` }], digits },
    });
  }
  return { method: 'totp', code };
}

/**
 * An email code as typed: 8 digits (spaces and dashes allowed), refused unless the policy offers email.
 * It starts a session only: a sensitive change (removing a factor) needs the factor itself.
 */
function parseEmailCode(typed: string, policy: TenantPolicy, codes: EmailCodeRepository | undefined): { method: Method; code: string } {
  if (!policy.methods.includes('email') || codes === undefined) {
    throw new TwofoldError('method_disabled', 'Email codes are turned off on this site. Use the code from your app or token.');
  }
  const code = normalizeEmailCode(typed);
  if (code === null) {
    throw new TwofoldError('invalid_request', 'Type the 8-digit code from the email.', {
      details: { fields: [{ field: 'emailCode', problem: 'must be 8 digits' }], digits: 8 },
    });
  }
  return { method: 'email', code };
}

export function notEnrolled(): TwofoldError {
  return new TwofoldError('not_enrolled', 'You have not set up two-step verification yet. Set it up on the "Two-step verification" page first.');
}
