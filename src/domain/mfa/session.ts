import { InvariantError } from '../errors';

/**
 * The 2FA session: how long a user counts as verified after a correct code, and the stricter
 * "verified just now" test for step-up actions.
 *
 * `sessionTimeoutMinutes` 0 means "no timeout" in SecSign's policy language. We read it as "as long
 * as Twofold allows": `MAX_SESSION_MINUTES`, seven days. A session that never ends would turn the
 * second factor into a one-time enrollment check; a week still asks the user to prove possession
 * weekly, and an admin reset (lost phone) ends it at once. Values above the cap are clamped to it;
 * policy validation should refuse them (use `MAX_SESSION_MINUTES`).
 *
 * Sessions are per user (tenant + accountId), not per browser: the contract's `verifiedUntil`.
 *
 * @see NIST SP 800-63B §7.2 (reauthentication at AAL2: at least every 12 hours; longer is a policy choice)
 */

export const MAX_SESSION_MINUTES = 7 * 24 * 60;
/** Step-up actions (removing a TOTP credential, changing admin settings) need a verification this recent. */
export const DEFAULT_STEP_UP_MINUTES = 5;
/** How far in the future a recorded verification may lie (another instance's clock) and still count. */
export const CLOCK_SKEW_TOLERANCE_MS = 60_000;

export interface VerificationSession {
  readonly verifiedAt: Date;
  readonly verifiedUntil: Date;
}

/** The effective timeout in minutes for a configured value (0 → the cap; above the cap → the cap). */
export function effectiveSessionMinutes(sessionTimeoutMinutes: number): number {
  if (!Number.isInteger(sessionTimeoutMinutes) || sessionTimeoutMinutes < 0) {
    // The policy is checked when it is saved: a bad timeout here is a corrupt policy or a bug.
    throw new InvariantError('The session timeout must be a whole number of minutes, 0 or more.', { sessionTimeoutMinutes });
  }
  return sessionTimeoutMinutes === 0 ? MAX_SESSION_MINUTES : Math.min(sessionTimeoutMinutes, MAX_SESSION_MINUTES);
}

/** The session that starts with a successful verification at `now`. */
export function startSession(now: Date, policy: { readonly sessionTimeoutMinutes: number }): VerificationSession {
  const minutes = effectiveSessionMinutes(policy.sessionTimeoutMinutes);
  return { verifiedAt: new Date(now.getTime()), verifiedUntil: new Date(now.getTime() + minutes * 60_000) };
}

/** Whether a user with this `verifiedUntil` counts as verified at `now` (the end is exclusive). */
export function isVerified(verifiedUntil: Date | null, now: Date): boolean {
  return verifiedUntil !== null && now.getTime() < verifiedUntil.getTime();
}

/**
 * Whether the last verification happened within `minutes` before `now`, for step-up actions.
 * A `verifiedAt` slightly in the future (clock skew between instances) counts; one far in the
 * future is corrupt and does not.
 */
export function isRecentlyVerified(verifiedAt: Date | null, now: Date, minutes: number = DEFAULT_STEP_UP_MINUTES): boolean {
  if (!Number.isFinite(minutes) || minutes <= 0) {
    throw new InvariantError('The step-up window must be a positive number of minutes.', { minutes });
  }
  if (verifiedAt === null) return false;
  const elapsed = now.getTime() - verifiedAt.getTime();
  return elapsed >= -CLOCK_SKEW_TOLERANCE_MS && elapsed <= minutes * 60_000;
}
