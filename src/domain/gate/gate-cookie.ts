import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The `twofold_gate` cookie: the browser's 2FA session credential (browser-session.ts, stored only as
 * its SHA-256) with a MAC that binds it to the tenant, the user and a hash of the Data Center session
 * cookie it was earned with. Another user's cookie, or the same cookie after a new Data Center login
 * (a new session cookie), fails the MAC; a session ended by an admin reset or by its timeout fails the
 * browser-session lookup. The MAC key is derived from the master key and never leaves the process.
 *
 * Format: `<sessionToken>.<base64url HMAC-SHA256>`.
 */
export const GATE_COOKIE = 'twofold_gate';

export interface GateCookieBinding {
  readonly tenant: string;
  readonly accountId: string;
  /** `dataCenterSessionHash` of the Data Center session cookie. */
  readonly dataCenterSession: string;
}

export class GateCookieSigner {
  constructor(private readonly key: Buffer) {}

  seal(sessionToken: string, binding: GateCookieBinding): string {
    return `${sessionToken}.${this.mac(sessionToken, binding).toString('base64url')}`;
  }

  /** The session credential inside `value` when its MAC matches `binding`, else null. */
  open(value: string | undefined, binding: GateCookieBinding): string | null {
    if (value === undefined) return null;
    const dot = value.lastIndexOf('.');
    if (dot <= 0) return null;
    const token = value.slice(0, dot);
    const given = Buffer.from(value.slice(dot + 1), 'base64url');
    const expected = this.mac(token, binding);
    return given.length === expected.length && timingSafeEqual(given, expected) ? token : null;
  }

  private mac(token: string, binding: GateCookieBinding): Buffer {
    return createHmac('sha256', this.key).update(`twofold-gate\n${binding.tenant}\n${binding.accountId}\n${binding.dataCenterSession}\n${token}`).digest();
  }
}

/** A hash of the Data Center session cookie, for binding and for the identity cache (never the cookie itself). */
export function dataCenterSessionHash(sessionCookie: string): string {
  return createHash('sha256').update(sessionCookie).digest('base64url');
}
