import type { Request } from 'express';
import { z } from 'zod';
import type { VerificationInput } from '../domain/mfa/verification-service';
import { TwofoldError } from '../domain/errors';

/**
 * The header in which a page presents its browser's 2FA session credential (src/domain/mfa/browser-session.ts),
 * on every API call (public/js/twofold-api.js). Redacted from logs.
 */
export const SESSION_HEADER = 'X-Twofold-Session';

/** The credential the calling browser presented, or null. Its format is checked where it is hashed. */
export function sessionCredentialOf(req: Request): string | null {
  const value = req.get(SESSION_HEADER);
  return typeof value === 'string' && value.length > 0 ? value : null;
}

// The field names `code` and `backupCode` are redacted by the logger wherever they appear. Codes are
// printable ASCII (digits, letters, the dashes and spaces people type); anything else is not a code.
export const CODE = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[\x20-\x7e]+$/, 'must be letters, digits, spaces or dashes');

/** A code entered for a sensitive action, beside the action's own fields: `code` or `backupCode`, not both. */
export const proofFields = { code: CODE.optional(), backupCode: CODE.optional() };

/**
 * The code a request carries for its action (`{code}` or `{backupCode}`), or null when it carries none.
 * Both at once is `400 invalid_request`.
 */
export function proofOf(body: { code?: string | undefined; backupCode?: string | undefined }): VerificationInput | null {
  if (body.code !== undefined && body.backupCode !== undefined) {
    throw new TwofoldError('invalid_request', 'Send either a code or a backup code, not both.', {
      details: { fields: [{ field: 'backupCode', problem: 'only one of code and backupCode' }] },
    });
  }
  if (body.code !== undefined) return { code: body.code };
  if (body.backupCode !== undefined) return { backupCode: body.backupCode };
  return null;
}

/** A body that holds nothing but an optional code for the action (`DELETE /api/v1/me/totp`, …). */
export const proofOnlyBody = z.object(proofFields).strict();
