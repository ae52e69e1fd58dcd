import { InvariantError } from '../errors';
import { hotp } from './hotp';
import { assertTotpParameters, type TotpParameters, type TotpPeriod } from './otp-parameters';

/**
 * TOTP: HOTP with the counter T = floor((unix time - T0) / X), T0 = 0.
 *
 * @see RFC 6238 §4.2 (T = (Current Unix time - T0) / X, rounded down) and Appendix B (test vectors)
 */

/** Seconds since the Unix epoch, refusing dates TOTP cannot express. */
function unixSeconds(at: Date): number {
  const ms = at instanceof Date ? at.getTime() : Number.NaN;
  if (!Number.isFinite(ms) || ms < 0) {
    throw new InvariantError('A TOTP time must be a valid date after 1970-01-01.', { ms });
  }
  return Math.floor(ms / 1000);
}

/**
 * The time step T that `at` falls in.
 * @see RFC 6238 §4.2 (floor, with T0 = 0)
 */
export function timeStepAt(at: Date, period: TotpPeriod): number {
  return Math.floor(unixSeconds(at) / period);
}

/** The code for a given time step. @see RFC 6238 §4.2 (TOTP = HOTP(K, T)) */
export function totpAtStep(secret: Uint8Array, step: number, params: TotpParameters): string {
  assertTotpParameters(params);
  return hotp(secret, step, params);
}

/** The code an authenticator shows at `at`. */
export function totp(secret: Uint8Array, at: Date, params: TotpParameters): string {
  assertTotpParameters(params);
  return hotp(secret, timeStepAt(at, params.period), params);
}
