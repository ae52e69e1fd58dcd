import { TwofoldError } from '../errors';
import { afterFailure, checkLockout, checkReservedAttempt, type FailureState, type LockoutDecision, type LockoutPolicy } from './lockout';
import type { FailureCounterRepository } from './ports';

/** The user's and the tenant's failure counters, as just read. */
export interface Counted {
  readonly user: FailureState;
  readonly tenant: FailureState;
}

export interface AttemptContext {
  readonly tenant: string;
  readonly accountId: string;
  readonly lockout: LockoutPolicy;
}

/** What a wrong code did to the user's budget: locked out now, or how many attempts are left. */
export type FailureOutcome =
  | { readonly locked: Extract<LockoutDecision, { locked: true }>; readonly failures: number }
  | { readonly locked: null; readonly failures: number; readonly attemptsLeft: number };

/**
 * One attempt at a code, held to the user's lockout budget (lockout.ts). Every place where someone
 * types a code that proves a factor goes through it: "Verify it's you" and the confirmation of a new
 * authenticator alike, so that neither is an unlimited guessing oracle.
 *
 * `open` refuses a locked-out user at once (nothing written) and reserves the attempt's place with one
 * atomic increment *before* the code is looked at; only an attempt within the budget is admitted. The
 * caller then settles it exactly once: `succeeded` (the count is cleared), `giveBack` (it was no guess:
 * a code already used, or a failure of ours), or `failed` (a wrong code: it stays counted, counts
 * toward the tenant's spray brake, and at the limit locks the user).
 */
export class AttemptBudget {
  constructor(private readonly failures: FailureCounterRepository) {}

  /** `counted`: the user's and the tenant's counters as just read (`VerificationStateReader`). */
  async open(context: AttemptContext, counted: Counted, now: Date): Promise<Attempt> {
    refuseIfLockedOut(context.lockout, counted, now);
    const reserved = await this.failures.reserveAttempt(context.tenant, context.accountId, now, context.lockout.windowMinutes);
    const attempt = new Attempt(this.failures, context, reserved, now);
    // The tenant's count as read: the spray brake is a ceiling across users, while the user's own
    // budget, which a burst against one account runs into, is decided by the atomic reservation.
    const admitted = checkReservedAttempt({ policy: context.lockout, user: reserved, tenant: counted.tenant, now });
    if (admitted.locked) {
      await attempt.giveBack();
      throw lockedOut(admitted);
    }
    return attempt;
  }
}

export class Attempt {
  /** A reservation always stands in an open window; this is the window its place is given back to. */
  private readonly window: Date;

  constructor(
    private readonly counters: FailureCounterRepository,
    private readonly context: AttemptContext,
    private readonly reserved: FailureState,
    private readonly now: Date,
  ) {
    this.window = reserved.windowStartedAt ?? now;
  }

  /** The user's failures in the window, this attempt's place included. */
  get failures(): number {
    return this.reserved.failures;
  }

  /** The attempt was no guess: its place goes back to the user. */
  giveBack(): Promise<void> {
    return this.counters.releaseAttempt(this.context.tenant, this.context.accountId, this.window);
  }

  /** The right code: the user's count (never the tenant's) is cleared. */
  succeeded(): Promise<void> {
    return this.counters.resetUser(this.context.tenant, this.context.accountId);
  }

  /** A wrong code: stays counted, counts toward the tenant's spray brake, and locks the user at the limit. */
  async failed(): Promise<FailureOutcome> {
    const { tenant, accountId, lockout } = this.context;
    const tenantState = await this.counters.countTenantFailure(tenant, this.now, lockout.windowMinutes);
    const after = afterFailure({ policy: lockout, user: this.reserved, tenant: tenantState, now: this.now });
    if (after.lockUntil !== null) await this.counters.lockUser(tenant, accountId, this.window, after.lockUntil);
    const failures = this.reserved.failures;
    if (after.decision.locked) return { locked: after.decision, failures };
    return { locked: null, failures, attemptsLeft: Math.max(0, lockout.maxFailures - failures) };
  }
}

/** `429 locked_out` for a user whom the counters as read already lock out: nothing is written. */
export function refuseIfLockedOut(lockout: LockoutPolicy, counted: Counted, now: Date): void {
  const decision = checkLockout({ policy: lockout, user: counted.user, tenant: counted.tenant, now });
  if (decision.locked) throw lockedOut(decision);
}

export function lockedOut(decision: Extract<LockoutDecision, { locked: true }>): TwofoldError {
  const minutes = Math.ceil(decision.retryAfterSeconds / 60);
  return new TwofoldError(
    'locked_out',
    decision.scope === 'user'
      ? `Too many wrong codes. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`
      : `Too many wrong codes on this site just now. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`,
    {
      retryAfterSeconds: decision.retryAfterSeconds,
      details: { retryAfterSeconds: decision.retryAfterSeconds, until: decision.until.toISOString(), scope: decision.scope },
    },
  );
}
