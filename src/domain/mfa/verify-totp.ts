import { timingSafeEqual } from 'node:crypto';
import { InvariantError, TwofoldError } from '../errors';
import { assertTotpParameters, type TotpParameters } from './otp-parameters';
import { timeStepAt, totpAtStep } from './totp';

/**
 * Checking a TOTP code a user typed: the verification window, drift and replay.
 *
 * The result says which time step matched. The caller must then record that step atomically
 * (`TotpCredentialRepository.acceptStep`, an `UPDATE ... WHERE last_used_step < :step`) and treat a
 * lost race as `code_reused`: this function only sees the state the caller read, so it cannot stop
 * two app instances from accepting the same code at the same moment on its own.
 *
 * @see RFC 6238 §5.2 (window of acceptable steps; a verifier MUST NOT accept the second attempt of an OTP)
 * @see RFC 6238 §6 (resynchronisation: the delta tells how far the token's clock has drifted)
 * @see RFC 4226 §7.1 and §7.3 (throttling belongs to lockout.ts)
 */

/** The window the policy may choose: steps accepted on either side of the current one. */
export const MAX_TOTP_WINDOW = 3;
export const DEFAULT_TOTP_WINDOW = 1;

/** Longer input than this is refused before any work is done on it. */
const MAX_INPUT_LENGTH = 64;

export interface VerifyTotpInput {
  /** The raw shared secret (unsealed). */
  readonly secret: Uint8Array;
  /** What the user typed; spaces and dashes are ignored. */
  readonly code: string;
  readonly params: TotpParameters;
  /** Steps accepted before and after the current one, 0..3 (default 1: ±30 s at a 30 s period). */
  readonly window?: number;
  /** The verifier's time; from the injected Clock. */
  readonly at: Date;
  /** The last time step this credential accepted, or null if it never accepted one. */
  readonly lastUsedStep: number | null;
}

export type VerifyTotpResult =
  /** `delta` is `timeStep` minus the current step: negative when the token runs slow. */
  | { readonly ok: true; readonly timeStep: number; readonly delta: number }
  | { readonly ok: false; readonly reason: 'invalid_code' | 'code_reused' | 'malformed' };

/**
 * What the user typed, as plain ASCII digits: NFKC turns full-width digits into ASCII ones, and
 * whitespace and dashes (which authenticator apps print to group the digits) are dropped.
 * Returns null for anything that is then not all digits.
 */
export function normalizeTotpCode(typed: string): string | null {
  if (typeof typed !== 'string' || typed.length > MAX_INPUT_LENGTH) return null;
  const compact = typed.normalize('NFKC').replace(/[\s\-\u2010-\u2015\u2212]/g, '');
  return /^[0-9]+$/.test(compact) ? compact : null;
}

/**
 * The refusal of input that cannot be a code of a factor with `digits` digits: `400`, not a guess, so it
 * costs no attempt of the lockout budget and changes nothing.
 */
export function totpCodeShapeError(digits: number): TwofoldError<'invalid_request'> {
  return new TwofoldError('invalid_request', `Type the ${digits}-digit code your app or token shows.`, {
    details: { fields: [{ field: 'code', problem: `must be ${digits} digits` }], digits },
  });
}

function checkWindow(window: number): void {
  if (!Number.isInteger(window) || window < 0 || window > MAX_TOTP_WINDOW) {
    // The policy's window is checked when it is saved: a bad one here is a corrupt policy or a bug.
    throw new InvariantError(`The TOTP window must be an integer from 0 to ${MAX_TOTP_WINDOW}.`, { window });
  }
}

/**
 * Verifies `code` against every step within `window` of the current one.
 *
 * Every candidate is compared in constant time and none is skipped on a match, so the time taken
 * does not tell which step (if any) matched. If several steps match (a 1-in-10^digits collision),
 * the one nearest to now that is newer than `lastUsedStep` wins.
 *
 * A code whose matching step is at or before `lastUsedStep` is `code_reused`, even inside the window:
 * accepting an older step after a newer one would let a code seen over a shoulder be used again.
 */
export function verifyTotp(input: VerifyTotpInput): VerifyTotpResult {
  const { secret, params, at, lastUsedStep } = input;
  const window = input.window ?? DEFAULT_TOTP_WINDOW;
  assertTotpParameters(params);
  checkWindow(window);
  if (lastUsedStep !== null && (!Number.isSafeInteger(lastUsedStep) || lastUsedStep < 0)) {
    throw new InvariantError('lastUsedStep must be a non-negative integer or null.', { lastUsedStep });
  }

  const current = timeStepAt(at, params.period);
  const typed = normalizeTotpCode(input.code);
  if (typed === null || typed.length !== params.digits) return { ok: false, reason: 'malformed' };
  const typedBytes = Buffer.from(typed, 'ascii');

  let fresh: number | null = null;
  let replayed = false;
  // Nearest first: 0, -1, +1, -2, +2, ... so the first fresh match is the nearest one.
  for (let distance = 0; distance <= window; distance += 1) {
    for (const delta of distance === 0 ? [0] : [-distance, distance]) {
      const step = current + delta;
      if (step < 0) continue;
      const expected = Buffer.from(totpAtStep(secret, step, params), 'ascii');
      const matches = timingSafeEqual(expected, typedBytes);
      if (!matches) continue;
      if (lastUsedStep !== null && step <= lastUsedStep) replayed = true;
      else if (fresh === null) fresh = step;
    }
  }

  if (fresh !== null) return { ok: true, timeStep: fresh, delta: fresh - current };
  return { ok: false, reason: replayed ? 'code_reused' : 'invalid_code' };
}
