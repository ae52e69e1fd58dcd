import type { PendingEnrollment } from '../domain/mfa/enrollment-service';
import { encodeBase32, encodeHex, formatBase32ForTyping } from '../domain/mfa/secret-encoding';

/**
 * A pending TOTP credential as `POST /api/v1/me/totp` and the gate's `POST /gate/v1/enroll` answer it
 * (CONTRACT): the secret as base32 (also grouped for typing) and hex for programmable tokens, the key URI
 * and its QR code. Shown this once; the secret is sealed at rest.
 */
export async function presentPendingEnrollment(pending: PendingEnrollment, qrPng: (text: string) => Promise<string>) {
  return {
    secretBase32: encodeBase32(pending.secret),
    secretBase32Grouped: formatBase32ForTyping(pending.secret),
    secretHex: encodeHex(pending.secret),
    otpauthUri: pending.otpauthUri,
    qrPng: await qrPng(pending.otpauthUri),
    algorithm: pending.params.algorithm,
    digits: pending.params.digits,
    period: pending.params.period,
    issuer: pending.issuer,
    twoFactorId: pending.twoFactorId,
  };
}
