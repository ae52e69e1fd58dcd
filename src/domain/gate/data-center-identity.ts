import { dataCenterSessionHash } from './gate-cookie';
import type { DataCenterSite, DataCenterUser } from './ports';
import { TtlCache } from './ttl-cache';
import type { Clock } from '../ports/clock';

/** The cookies that carry a Data Center login: Jira's and Confluence's `JSESSIONID`, Bitbucket's own. */
const SESSION_COOKIES = ['JSESSIONID', 'BITBUCKETSESSIONID'] as const;

/**
 * The Data Center session cookie of a request, as one `name=value; …` text (only the session cookies,
 * in a fixed order), or null without one. This text is what is sent to Data Center, hashed for the
 * identity cache and bound into `twofold_gate`: the browser's other cookies may come and go freely.
 */
export function sessionCookieOf(cookieHeader: string | undefined): string | null {
  if (cookieHeader === undefined) return null;
  const found = new Map<string, string>();
  for (const part of cookieHeader.split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    if ((SESSION_COOKIES as readonly string[]).includes(name) && !found.has(name)) found.set(name, part.slice(eq + 1).trim());
  }
  const pairs = SESSION_COOKIES.filter((name) => found.get(name)).map((name) => `${name}=${found.get(name) as string}`);
  return pairs.length === 0 ? null : pairs.join('; ');
}

/** One cookie's value from a `Cookie` header. */
export function cookieValue(cookieHeader: string | undefined, name: string): string | undefined {
  if (cookieHeader === undefined) return undefined;
  for (const part of cookieHeader.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** The username of a `Basic` Authorization header (the password is Data Center's to check). */
export function basicUsername(authorization: string): string | null {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(authorization);
  if (!match) return null;
  const decoded = Buffer.from(match[1] as string, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const username = colon === -1 ? decoded : decoded.slice(0, colon);
  return username.length > 0 && username.length <= 255 ? username : null;
}

/**
 * Who a Data Center session or username is, asked of Data Center and kept briefly in memory: the
 * session's user by a hash of its cookie (at most `sessionTtlMs`, a minute: a logout in Data Center is
 * seen within it), the user and groups through the connector (`userTtlMs`: a group change is seen
 * within it). A known, verified user is then decided with no network call.
 */
export class DataCenterIdentity {
  private readonly sessions: TtlCache<string | null>;
  private readonly users: TtlCache<DataCenterUser | null>;

  constructor(
    private readonly site: DataCenterSite,
    private readonly clock: Clock,
    options: { sessionTtlMs: number; userTtlMs: number; maxEntries: number },
  ) {
    this.sessions = new TtlCache(Math.min(options.sessionTtlMs, 60_000), options.maxEntries);
    this.users = new TtlCache(options.userTtlMs, options.maxEntries);
  }

  /**
   * The username logged in with `sessionCookie` (null: not logged in). Throws when Data Center cannot say.
   * `sessionHash`: its `dataCenterSessionHash`, which the caller has already.
   */
  async sessionUser(
    tenant: string,
    baseUrl: string,
    sessionCookie: string,
    sessionHash: string = dataCenterSessionHash(sessionCookie),
  ): Promise<string | null> {
    const key = `${tenant}\u0000${sessionHash}`;
    const now = this.clock.now().getTime();
    const cached = this.sessions.get(key, now);
    if (cached !== undefined) return cached;
    const username = await this.site.sessionUser(baseUrl, sessionCookie);
    this.sessions.set(key, username, now);
    return username;
  }

  async user(tenant: string, username: string): Promise<DataCenterUser | null> {
    const key = `${tenant}\u0000${username.toLowerCase()}`;
    const now = this.clock.now().getTime();
    const cached = this.users.get(key, now);
    if (cached !== undefined) return cached;
    const user = await this.site.user(tenant, username);
    this.users.set(key, user, now);
    return user;
  }

  forgetTenant(tenant: string | undefined): void {
    const prefix = tenant === undefined ? undefined : `${tenant}\u0000`;
    this.sessions.forget(prefix);
    this.users.forget(prefix);
  }
}
