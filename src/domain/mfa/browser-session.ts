import { createHash } from 'node:crypto';
import type { Clock } from '../ports/clock';
import type { Random } from '../ports/random';
import type { AccountId, TenantId } from './ports';
import { isVerified, type VerificationSession } from './session';

/**
 * A 2FA session belongs to the browser that earned it, not to the account.
 *
 * A successful verification hands the page a random session credential (256 bits from the injected
 * `random`), shown once in the answer; the page keeps it in its own storage (the iframe's, which
 * browsers partition per top-level site) and presents it on every call (`X-Twofold-Session`). Only
 * its SHA-256 hash is stored: a copy of the database opens no session. A fast hash is enough here,
 * unlike backup codes: 256 random bits cannot be guessed offline. Whatever asks "is the user
 * verified" asks whether *the presented credential* is a live session of this tenant and account;
 * another browser of the same user (or a stolen Jira session) holds no credential and is not.
 *
 * @see OWASP Session Management Cheat Sheet (session ID entropy: at least 64 bits; stored hashed)
 */

export const SESSION_CREDENTIAL_BYTES = 32;
/** base64url of 32 bytes: 43 characters, no padding. */
const CREDENTIAL_FORMAT = /^[A-Za-z0-9_-]{43}$/;

/** A browser's session as stored: the credential's hash, never the credential. */
export interface BrowserSessionRecord extends VerificationSession {
  readonly tokenHash: string;
}

/** A session just started: the credential for the page (shown once) and the record to store. */
export interface IssuedBrowserSession {
  readonly token: string;
  readonly record: BrowserSessionRecord;
}

export interface BrowserSessionRepository {
  /**
   * Stores a new browser session. The user's expired rows are deleted on the way (sessions end by
   * time; nobody else cleans them).
   */
  create(tenant: TenantId, accountId: AccountId, session: BrowserSessionRecord, now: Date): Promise<void>;
  /** The session with this credential hash, if it is the user's (tenant and account both match). */
  find(tenant: TenantId, accountId: AccountId, tokenHash: string): Promise<VerificationSession | null>;
  /** Ends every browser session of the user (admin reset, removal of the second factor); how many. */
  endAll(tenant: TenantId, accountId: AccountId): Promise<number>;
}

/** The stored form of a credential: SHA-256, hex. Null for anything that cannot be one of ours. */
export function hashSessionCredential(presented: string | null | undefined): string | null {
  if (typeof presented !== 'string' || !CREDENTIAL_FORMAT.test(presented)) return null;
  return createHash('sha256').update(presented, 'utf8').digest('hex');
}

/** A new credential for `session`. */
export function issueBrowserSession(random: Random, session: VerificationSession): IssuedBrowserSession {
  const bytes = random.bytes(SESSION_CREDENTIAL_BYTES);
  if (bytes.length !== SESSION_CREDENTIAL_BYTES) throw new Error(`random.bytes gave ${bytes.length} bytes, not ${SESSION_CREDENTIAL_BYTES}`);
  const token = Buffer.from(bytes).toString('base64url');
  return { token, record: { tokenHash: hashSessionCredential(token) as string, verifiedAt: session.verifiedAt, verifiedUntil: session.verifiedUntil } };
}

/** "Is this browser verified?": the presented credential's session, if it is live at `now`. */
export class BrowserSessions {
  constructor(
    private readonly repository: BrowserSessionRepository,
    private readonly clock: Clock,
  ) {}

  /** The live session of the browser that presented `credential` (null: none, unknown, another user's, or ended). */
  async current(tenant: TenantId, accountId: AccountId, credential: string | null | undefined): Promise<VerificationSession | null> {
    const tokenHash = hashSessionCredential(credential);
    if (tokenHash === null) return null;
    const session = await this.repository.find(tenant, accountId, tokenHash);
    return session !== null && isVerified(session.verifiedUntil, this.clock.now()) ? session : null;
  }

  endAll(tenant: TenantId, accountId: AccountId): Promise<number> {
    return this.repository.endAll(tenant, accountId);
  }
}
