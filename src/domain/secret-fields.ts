/**
 * The one list of field names that hold a secret, a credential or a one-time code: never logged
 * (src/adapters/logging/redaction.ts redacts them wherever they appear) and never stored in the
 * audit log (src/domain/audit/audit-log.ts drops them from an entry's detail).
 *
 * Spelled as they appear in objects, since the log redaction matches keys exactly; the audit log
 * compares them without case or separators. Add a name here when a new secret field appears: an
 * API answer (`qrPng` encodes the `otpauthUri`, which holds the seed), a request body, a header.
 */
export const SECRET_FIELD_NAMES = [
  // TOTP seeds, in every form POST /api/v1/me/totp shows them
  'secret',
  'secretBase32',
  'secretBase32Grouped',
  'secretHex',
  'otpauthUri',
  'qrPng',
  // one-time codes
  'code',
  'backupCode',
  'backupCodes',
  'emailCode',
  // the Connect tenant and the master key
  'sharedSecret',
  'masterKey',
  'jwt',
  // a browser's 2FA session credential (POST /api/v1/me/verify shows it once)
  'sessionToken',
  // the connector's credentials (OAuth 1.0a, Basic)
  'password',
  'token',
  'accessToken',
  'tokenSecret',
  'oauth_token_secret',
  'oauth_verifier',
  'privateKey',
  'privateKeyPem',
  // HTTP credentials, in both spellings headers come in
  'authorization',
  'Authorization',
  'cookie',
] as const;

/** A field name compared the way the audit log does: lower case, letters and digits only. */
export function normalizedFieldName(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]/g, '');
}

const NORMALIZED = new Set(SECRET_FIELD_NAMES.map(normalizedFieldName));

/** Whether `name` is a secret field in any case or spelling (`backup_code`, `SECRET`, `otpauth-uri`). */
export function isSecretFieldName(name: string): boolean {
  return NORMALIZED.has(normalizedFieldName(name));
}
