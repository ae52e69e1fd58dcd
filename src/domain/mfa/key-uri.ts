import { hasUnsafeCharacters } from '../text/unsafe-characters';
import { TwofoldError, type FieldProblem } from '../errors';
import { assertTotpParameters, type TotpParameters } from './otp-parameters';
import { assertUsableSecret } from './secret';
import { encodeBase32 } from './secret-encoding';

/**
 * The `otpauth://totp/ISSUER:LABEL?secret=...&issuer=...&algorithm=...&digits=...&period=...` URI that
 * the enrollment QR code holds.
 *
 * Following Google Authenticator's Key Uri Format: the issuer appears both as the label's prefix (for
 * old apps) and as the `issuer` parameter (which newer apps prefer), each percent-encoded as in
 * RFC 3986, with `%20` for spaces (never `+`). The separator between issuer and account is a literal
 * colon. The format forbids a colon inside the issuer, so an issuer with one is refused; the label
 * (the user's 2FA ID, e.g. an Atlassian accountId `557058:f581...`) keeps its colons percent-encoded
 * as `%3A`, and readers that split the decoded label at the *first* colon get it back whole.
 *
 * `algorithm`, `digits` and `period` are always written, even at their defaults, so that a hardware
 * token burner never has to guess.
 *
 * @see https://github.com/google/google-authenticator/wiki/Key-Uri-Format
 * @see RFC 3986 §2.1 (percent-encoding) and §2.2 (reserved characters)
 */

export interface TotpKeyUriInput {
  /** The tenant's service name, as the authenticator app should list it. No colon. */
  readonly issuer: string;
  /** The user's 2FA ID. */
  readonly label: string;
  /** The raw shared secret; written as unpadded base32. */
  readonly secret: Uint8Array;
  readonly params: TotpParameters;
}

/** Longest issuer or label we write: QR codes grow fast, and apps truncate long names anyway. */
export const MAX_KEY_URI_NAME_LENGTH = 128;

/** Percent-encodes everything but RFC 3986 unreserved characters, as UTF-8. */
function percentEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** Why a name cannot go into a key URI, or null if it can. */
function nameProblem(value: string, allowColon: boolean): string | null {
  if (typeof value !== 'string') return 'must be text';
  const name = value.normalize('NFC').trim();
  if (name.length === 0) return 'must not be empty';
  if (name.length > MAX_KEY_URI_NAME_LENGTH) return `must be at most ${MAX_KEY_URI_NAME_LENGTH} characters`;
  if (!allowColon && name.includes(':')) return 'must not contain a colon';
  // Control characters have no place in an app's list; a text-direction control would spoof the issuer.
  if (hasUnsafeCharacters(name)) return 'must be printable text';
  return null;
}

/** Whether `issuer` can be used as a key URI issuer (policy validation uses this for the service name). */
export function isUsableIssuer(issuer: string): boolean {
  return nameProblem(issuer, false) === null;
}

/** Builds the key URI. Throws `invalid_request` for an unusable issuer, label, secret or parameter set. */
export function buildTotpKeyUri(input: TotpKeyUriInput): string {
  assertTotpParameters(input.params);
  assertUsableSecret(input.secret);
  const fields: FieldProblem[] = [];
  const issuerProblem = nameProblem(input.issuer, false);
  const labelProblem = nameProblem(input.label, true);
  if (issuerProblem !== null) fields.push({ field: 'issuer', problem: issuerProblem });
  if (labelProblem !== null) fields.push({ field: 'label', problem: labelProblem });
  if (issuerProblem !== null || labelProblem !== null) {
    throw new TwofoldError('invalid_request', 'The authenticator app entry cannot be built from these names.', {
      details: { fields },
    });
  }
  const issuer = percentEncode(input.issuer.normalize('NFC').trim());
  const label = percentEncode(input.label.normalize('NFC').trim());
  const { algorithm, digits, period } = input.params;
  const query = [`secret=${encodeBase32(input.secret)}`, `issuer=${issuer}`, `algorithm=${algorithm}`, `digits=${digits}`, `period=${period}`].join('&');
  return `otpauth://totp/${issuer}:${label}?${query}`;
}
