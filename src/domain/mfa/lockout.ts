import { InvariantError, type FieldProblem } from '../errors';

/**
 * Lockout after repeated wrong codes: the pure decisions. The counting itself is atomic in the
 * repository (`FailureCounterRepository`), and happens *before* a code is looked at: every attempt
 * first reserves its place in the user's count with one atomic increment, and only an attempt whose
 * place is within the budget is evaluated. So however many requests arrive at once, on however many
 * app instances, at most `maxFailures` codes are ever checked per window. An attempt that turns out
 * not to be a guess (a code already used) gives its place back; a success clears the count.
 *
 * Per user: a fixed window opens at the first attempt; the `maxFailures`-th failure inside it locks
 * the user for `windowMinutes` from that failure (`429 locked_out`, `Retry-After`). A success resets
 * the user's count. Defaults: 5 failures in 15 minutes.
 *
 * Per tenant (the ceiling against a spray across many accounts, e.g. with stuffed passwords): every
 * failure in the tenant also counts toward a tenant-wide window of the same length. Once the tenant
 * has `tenantMaxFailures` failures in it, the tenant is *under spray* until that window ends, and
 * every user who has already failed in their own current window is held back until their window or
 * the tenant's ends, whichever comes first. A user who has not failed may still try, once: a person
 * who types the right code is never kept out by someone else's attack, while an attacker gets one
 * guess per account per window instead of `maxFailures`. The tenant's count is never reset by a
 * success (an attacker's own account must not refill the budget).
 *
 * @see RFC 4226 §7.3 (throttling) and RFC 6238 §5.2
 * @see NIST SP 800-63B §5.2.2 (rate limiting: at most 100 consecutive failures per account)
 */

export interface LockoutPolicy {
  /**
   * The failures a user may make within the window: the failure that reaches this count locks the
   * user out, so after `maxFailures - 1` failures the right code still gets in. 1..100, default 5.
   */
  readonly maxFailures: number;
  /** Length of the counting window and of a lockout, in minutes; 1..1440, default 15. */
  readonly windowMinutes: number;
  /** Failures across the whole tenant within a window before the spray brake applies; default 100. */
  readonly tenantMaxFailures?: number;
}

export const DEFAULT_LOCKOUT_POLICY: Required<LockoutPolicy> = Object.freeze({
  maxFailures: 5,
  windowMinutes: 15,
  tenantMaxFailures: 100,
});

/** A recorded failure count, for one user or for a whole tenant (whose `lockedUntil` stays null). */
export interface FailureState {
  readonly failures: number;
  readonly windowStartedAt: Date | null;
  readonly lockedUntil: Date | null;
}

export const NO_FAILURES: FailureState = Object.freeze({ failures: 0, windowStartedAt: null, lockedUntil: null });

export type LockoutDecision =
  | { readonly locked: false }
  | {
      readonly locked: true;
      /** `user`: this user's own failures; `tenant`: the tenant-wide spray brake. */
      readonly scope: 'user' | 'tenant';
      readonly until: Date;
      /** Whole seconds to wait, at least 1, for the `Retry-After` header. */
      readonly retryAfterSeconds: number;
    };

export interface LockoutInput {
  readonly policy: LockoutPolicy;
  readonly user: FailureState;
  readonly tenant: FailureState;
  readonly now: Date;
}

/**
 * Checks a policy and fills the tenant default. The policy was checked when saved and is mended on
 * reading, so a bad one here is a bug: an InvariantError naming each bad field for the log.
 */
export function lockoutPolicy(policy: LockoutPolicy): Required<LockoutPolicy> {
  const tenantMaxFailures = policy.tenantMaxFailures ?? DEFAULT_LOCKOUT_POLICY.tenantMaxFailures;
  const fields: FieldProblem[] = [];
  const inRange = (value: number, min: number, max: number): boolean => Number.isInteger(value) && value >= min && value <= max;
  if (!inRange(policy.maxFailures, 1, 100)) fields.push({ field: 'maxFailures', problem: '1 to 100' });
  if (!inRange(policy.windowMinutes, 1, 1440)) fields.push({ field: 'windowMinutes', problem: '1 to 1440' });
  if (!inRange(tenantMaxFailures, Math.max(1, policy.maxFailures), 1_000_000)) {
    fields.push({ field: 'tenantMaxFailures', problem: 'at least maxFailures, at most 1000000' });
  }
  if (fields.length > 0) {
    throw new InvariantError('The lockout policy is not valid.', { fields });
  }
  return { maxFailures: policy.maxFailures, windowMinutes: policy.windowMinutes, tenantMaxFailures };
}

const minutes = (n: number): number => n * 60_000;

/** When the window that `state` counts in ends, or null if it has none open at `now`. */
function windowEnd(state: FailureState, policy: LockoutPolicy, now: Date): Date | null {
  if (state.windowStartedAt === null || state.failures <= 0) return null;
  const end = state.windowStartedAt.getTime() + minutes(policy.windowMinutes);
  return now.getTime() < end ? new Date(end) : null;
}

function locked(scope: 'user' | 'tenant', until: Date, now: Date): LockoutDecision {
  const retryAfterSeconds = Math.max(1, Math.ceil((until.getTime() - now.getTime()) / 1000));
  return { locked: true, scope, until, retryAfterSeconds };
}

/** Whether the user may try a code now. Ask before verifying: a locked-out user's codes are not even checked. */
export function checkLockout(input: LockoutInput): LockoutDecision {
  const policy = lockoutPolicy(input.policy);
  const { user, tenant, now } = input;
  if (user.lockedUntil !== null && now.getTime() < user.lockedUntil.getTime()) {
    return locked('user', user.lockedUntil, now);
  }
  const tenantEnd = windowEnd(tenant, policy, now);
  const userEnd = windowEnd(user, policy, now);
  if (tenantEnd !== null && tenant.failures >= policy.tenantMaxFailures && userEnd !== null) {
    return locked('tenant', userEnd.getTime() < tenantEnd.getTime() ? userEnd : tenantEnd, now);
  }
  return { locked: false };
}

/**
 * Whether the attempt that holds the reservation `input.user` may be evaluated. `input.user` is the
 * user's state returned by the atomic reservation, so its `failures` counts this attempt and every
 * concurrent one that reserved before it: an attempt beyond `maxFailures` is refused unseen (its
 * place is given back by the caller), and the lockout that the failure of an earlier place will set
 * is announced now.
 */
export function checkReservedAttempt(input: LockoutInput): LockoutDecision {
  const policy = lockoutPolicy(input.policy);
  const { user, now } = input;
  if (user.lockedUntil !== null && now.getTime() < user.lockedUntil.getTime()) return locked('user', user.lockedUntil, now);
  if (user.failures > policy.maxFailures) return locked('user', new Date(now.getTime() + minutes(policy.windowMinutes)), now);
  // The spray brake asks whether the user had failed before this attempt.
  return checkLockout({ policy, user: { ...user, failures: user.failures - 1 }, tenant: input.tenant, now });
}

/**
 * After a wrong code: `input.user` is the reservation that counted it, `input.tenant` the tenant's
 * count after its atomic increment (neither is counted again here). Says whether to lock the user
 * (the `maxFailures`-th failure, for `windowMinutes` from now) and the decision that now holds, so
 * that the answer to the failure that triggers a lockout can already be `429`.
 */
export function afterFailure(input: LockoutInput): { readonly lockUntil: Date | null; readonly decision: LockoutDecision } {
  const policy = lockoutPolicy(input.policy);
  const { now } = input;
  const lockUntil = input.user.failures >= policy.maxFailures ? new Date(now.getTime() + minutes(policy.windowMinutes)) : null;
  const user = lockUntil === null ? input.user : { ...input.user, lockedUntil: lockUntil };
  return { lockUntil, decision: checkLockout({ policy, user, tenant: input.tenant, now }) };
}
