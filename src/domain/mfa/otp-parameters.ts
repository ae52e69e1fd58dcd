import { InvariantError, TwofoldError, type FieldProblem } from '../errors';

/**
 * The parameter set Twofold allows for one-time passwords.
 *
 * RFC 6238 permits any HMAC hash, any digit count from 6 and any time step; authenticator apps and
 * programmable hardware tokens (Token2-style) support far fewer. We allow exactly the combinations
 * those tokens offer, so that a credential we issue can always be burnt into a token or scanned
 * into an app. SHA-1, 6 digits and 30 s is the only combination every app honours; the others are
 * for tokens and apps that read the `algorithm`, `digits` and `period` URI parameters.
 *
 * @see RFC 6238 §1.2 (HMAC-SHA-256 and HMAC-SHA-512 variants) and §5.2 (30 s recommended)
 * @see RFC 4226 §5.3 (6 to 8 digits; at least 6)
 */
export const OTP_ALGORITHMS = ['SHA1', 'SHA256', 'SHA512'] as const;
export const OTP_DIGITS = [6, 8] as const;
export const TOTP_PERIODS = [30, 60] as const;

export type OtpAlgorithm = (typeof OTP_ALGORITHMS)[number];
export type OtpDigits = (typeof OTP_DIGITS)[number];
export type TotpPeriod = (typeof TOTP_PERIODS)[number];

/** What an HOTP computation needs besides the secret and the counter. */
export interface HotpParameters {
  readonly algorithm: OtpAlgorithm;
  readonly digits: OtpDigits;
}

/** What a TOTP computation needs besides the secret and the time. T0 is always the Unix epoch. */
export interface TotpParameters extends HotpParameters {
  /** The time step X in seconds (RFC 6238 §4.1). */
  readonly period: TotpPeriod;
}

/** The parameters every authenticator app understands. @see RFC 6238 §5.2 */
export const DEFAULT_TOTP_PARAMETERS: TotpParameters = Object.freeze({ algorithm: 'SHA1', digits: 6, period: 30 });

export function isOtpAlgorithm(value: unknown): value is OtpAlgorithm {
  return typeof value === 'string' && (OTP_ALGORITHMS as readonly string[]).includes(value);
}

export function isOtpDigits(value: unknown): value is OtpDigits {
  return typeof value === 'number' && (OTP_DIGITS as readonly number[]).includes(value);
}

export function isTotpPeriod(value: unknown): value is TotpPeriod {
  return typeof value === 'number' && (TOTP_PERIODS as readonly number[]).includes(value);
}

/** Node's name for the HMAC hash of an algorithm. */
export function nodeHashName(algorithm: OtpAlgorithm): 'sha1' | 'sha256' | 'sha512' {
  switch (algorithm) {
    case 'SHA1':
      return 'sha1';
    case 'SHA256':
      return 'sha256';
    case 'SHA512':
      return 'sha512';
  }
}

/**
 * Fills defaults and checks a requested parameter set (e.g. the body of `POST /api/v1/me/totp` or a
 * policy's `totp` block). Values outside the allowed set are a caller's mistake, not an expected
 * outcome, so they throw `invalid_request` naming every bad field in `details.fields`.
 */
export function totpParameters(
  input: {
    algorithm?: unknown;
    digits?: unknown;
    period?: unknown;
  } = {},
): TotpParameters {
  const algorithm = input.algorithm ?? DEFAULT_TOTP_PARAMETERS.algorithm;
  const digits = input.digits ?? DEFAULT_TOTP_PARAMETERS.digits;
  const period = input.period ?? DEFAULT_TOTP_PARAMETERS.period;
  const fields: FieldProblem[] = [];
  if (!isOtpAlgorithm(algorithm)) fields.push({ field: 'algorithm', problem: `one of ${OTP_ALGORITHMS.join(', ')}` });
  if (!isOtpDigits(digits)) fields.push({ field: 'digits', problem: `one of ${OTP_DIGITS.join(', ')}` });
  if (!isTotpPeriod(period)) fields.push({ field: 'period', problem: `one of ${TOTP_PERIODS.join(', ')} (seconds)` });
  if (!isOtpAlgorithm(algorithm) || !isOtpDigits(digits) || !isTotpPeriod(period)) {
    throw new TwofoldError('invalid_request', 'These one-time password settings are not supported.', {
      details: { fields },
    });
  }
  return Object.freeze({ algorithm, digits, period });
}

/**
 * A parameter set that is ours, not a caller's: read from a database row, or already checked on the
 * way in. A bad one is a corrupt row or a bug, so it is an InvariantError (500), not `invalid_request`.
 */
export function storedTotpParameters(input: { algorithm?: unknown; digits?: unknown; period?: unknown }): TotpParameters {
  try {
    return totpParameters(input);
  } catch (error) {
    throw new InvariantError(
      'Stored one-time password settings are not valid.',
      { algorithm: input.algorithm, digits: input.digits, period: input.period },
      error,
    );
  }
}

/** Re-checks a parameter set at run time (values come from a database row or our own code). */
export function assertTotpParameters(params: TotpParameters): void {
  storedTotpParameters(params);
}

/** Re-checks HOTP parameters at run time. */
export function assertHotpParameters(params: HotpParameters): void {
  storedTotpParameters({ algorithm: params.algorithm, digits: params.digits });
}
