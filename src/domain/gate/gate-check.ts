import { TwofoldError } from '../errors';
import type { Clock } from '../ports/clock';
import type { BrowserSessions } from '../mfa/browser-session';
import { isEnforcedFor, type TenantPolicy } from '../policy/policy';
import type { Tenant } from '../tenancy/tenant';
import { holdOrPass } from './approval';
import { clientAddress } from './client-address';
import { basicUsername, cookieValue, sessionCookieOf, type DataCenterIdentity } from './data-center-identity';
import { decideBeforeIdentity, decideForUser, type GateDecision, type GateUser } from './decision';
import { dataCenterSessionHash, GATE_COOKIE, type GateCookieSigner } from './gate-cookie';
import type { GateKeys } from './gate-keys';
import type { ApprovalRepository, ConnectorStatusReader, DataCenterUser } from './ports';
import { TtlCache } from './ttl-cache';

/** What nginx forwards about the original request. */
export interface GateCheckInput {
  readonly gateKey: string | undefined;
  /** The TCP peer (nginx). */
  readonly peer: string;
  readonly forwardedFor: string | undefined;
  readonly uri: string;
  readonly method: string;
  readonly cookie: string | undefined;
  readonly authorization: string | undefined;
  readonly userAgent: string | undefined;
}

export interface GateCheckResult {
  readonly decision: GateDecision;
  /** For a browser's 401: the verify page (same host), with `rd` the original URI. */
  readonly location?: string;
}

/** The tenant a gate key names, with what every gate request needs of it. */
export interface GateSite {
  readonly tenant: Tenant;
  readonly policy: TenantPolicy;
  /** The connector's Data Center base URL. */
  readonly baseUrl: string;
  /** The user the connector acts as with Basic auth (null for OAuth 1.0a). */
  readonly connectorUsername: string | null;
}

/** A Data Center user logged in with the request's session cookie. */
export interface GateBrowserUser {
  readonly user: DataCenterUser;
  /** `dc:` + the stable user key. */
  readonly accountId: string;
  readonly sessionHash: string;
  readonly required: boolean;
}

export interface GateCheckDeps {
  readonly keys: GateKeys;
  readonly tenants: { get(clientKey: string): Promise<Tenant | null> };
  readonly policies: { get(tenant: Tenant): Promise<TenantPolicy> };
  readonly connector: ConnectorStatusReader;
  readonly identity: DataCenterIdentity;
  readonly signer: GateCookieSigner;
  readonly browserSessions: BrowserSessions;
  /** Whether the user has an active second factor. */
  readonly hasFactor: (tenant: string, accountId: string) => Promise<boolean>;
  readonly approvals: ApprovalRepository;
  readonly clock: Clock;
}

/** The Twofold accountId of a Data Center user. */
export const dataCenterAccountId = (userKey: string): string => `dc:${userKey}`;

const VERIFY_PATH = '/twofold/verify';
/** How long a live browser session is trusted from memory (see `liveSessions`). */
export const VERIFIED_CACHE_MS = 5_000;
/**
 * How long a gate's site is kept: a policy change on this instance, or a notified one from another,
 * clears it at once (forgetTenant); this bounds what a lost notification can leave behind.
 */
const SITE_CACHE_MS = 1_000;
/** How long a browser found verified is decided by its exact headers alone (see `verifiedBrowsers`). */
const VERIFIED_MEMO_MS = 1_000;
/** A server-to-server caller: no second factor to ask of it. */
const APPLICATION: GateUser = { kind: 'basic', required: false, approval: null };

/**
 * `GET /gate/v1/check`: looks up the facts the decision (decision.ts) needs, in the order that asks
 * least: the gate key and the policy from memory; then the user from memory (Data Center is asked only
 * on a cache miss); then, for a verified browser, one indexed query (its session). Nothing here writes
 * but a Basic client's first approval request.
 */
export class GateCheck {
  /**
   * Browser sessions seen live, by tenant, user and credential hash, until the earlier of their end and
   * a few seconds: a verified user's requests are then decided from memory. The price: a session ended
   * elsewhere (an admin's reset) still passes here for at most `VERIFIED_CACHE_MS`.
   */
  private readonly liveSessions = new TtlCache<number>(VERIFIED_CACHE_MS, 50_000);

  /** Each gate's site (tenant, policy, Data Center) for a second: the hot path's three lookups in one. */
  private readonly sites = new TtlCache<GateSite>(SITE_CACHE_MS, 10_000);

  /**
   * Browsers found verified in the last second, by gate key and `Cookie` header exactly as sent: the
   * same browser's next requests (a page loads dozens at once) are decided with one lookup. Cleared with
   * every tenant change (a revoked gate, a policy change); a session's end is seen within the second.
   */
  private readonly verifiedBrowsers = new TtlCache<GateSite>(VERIFIED_MEMO_MS, 50_000);

  constructor(private readonly deps: GateCheckDeps) {}

  /** The tenant's policy, connector or gates changed (or, `undefined`, anything may have). */
  forgetTenant(tenant: string | undefined): void {
    this.sites.forget(tenant === undefined ? undefined : `${tenant}\u0000`);
    this.verifiedBrowsers.forget();
    if (tenant === undefined) this.liveSessions.forget();
  }

  async check(input: GateCheckInput): Promise<GateCheckResult> {
    const memoKey = input.authorization === undefined && input.gateKey !== undefined && input.cookie !== undefined ? `${input.gateKey}\n${input.cookie}` : null;
    const now = this.deps.clock.now().getTime();
    const memo = memoKey === null ? undefined : this.verifiedBrowsers.get(memoKey, now);
    if (memo !== undefined) {
      const address = clientAddress(input.peer, input.forwardedFor, memo.policy.gate.trustedProxies);
      return {
        decision: decideBeforeIdentity({ gateKeyValid: true, clientAddress: address, uri: input.uri }, memo.policy) ?? { status: 204, reason: 'verified' },
      };
    }
    const result = await this.decide(input);
    if (memoKey !== null && result.site !== null && result.decision.reason === 'verified') this.verifiedBrowsers.set(memoKey, result.site, now);
    return result.location === undefined ? { decision: result.decision } : { decision: result.decision, location: result.location };
  }

  private async decide(input: GateCheckInput): Promise<GateCheckResult & { site: GateSite | null }> {
    const site = await this.site(input.gateKey);
    const address = clientAddress(input.peer, input.forwardedFor, site?.policy.gate.trustedProxies ?? []);
    const early = decideBeforeIdentity({ gateKeyValid: site !== null, clientAddress: address, uri: input.uri }, site?.policy ?? null);
    if (early !== null || site === null) return { decision: early ?? { status: 401, reason: 'bad_gate_key' }, site };

    let user: GateUser;
    try {
      user = await this.user(site, input, address);
    } catch (error) {
      if (error instanceof TwofoldError && error.code === 'service_unavailable') return { decision: { status: 503, reason: 'unavailable' }, site };
      throw error;
    }
    const decision = decideForUser(user, site.policy);
    return decision.status === 401 && user.kind === 'browser'
      ? { decision, location: `${VERIFY_PATH}?rd=${encodeURIComponent(input.uri)}`, site }
      : { decision, site };
  }

  /** The gate, tenant, policy and Data Center of a gate key; null for a key that names no live gate. */
  async site(gateKey: string | undefined): Promise<GateSite | null> {
    const gate = await this.deps.keys.resolve(gateKey);
    if (gate === null) return null;
    const key = `${gate.tenant}\u0000${gate.id}`;
    const now = this.deps.clock.now().getTime();
    const cached = this.sites.get(key, now);
    if (cached !== undefined) return cached;
    const tenant = await this.deps.tenants.get(gate.tenant);
    if (tenant === null) return null;
    const [policy, connector] = await Promise.all([this.deps.policies.get(tenant), this.deps.connector.status(tenant.clientKey)]);
    if (connector.baseUrl === null) return null;
    const site = { tenant, policy, baseUrl: connector.baseUrl, connectorUsername: connector.username };
    this.sites.set(key, site, now);
    return site;
  }

  /**
   * The Data Center user logged in with this cookie header (null: not logged in). Throws
   * `service_unavailable` when Data Center cannot say.
   */
  async browserUser(site: GateSite, cookieHeader: string | undefined): Promise<GateBrowserUser | null> {
    const sessionCookie = sessionCookieOf(cookieHeader);
    if (sessionCookie === null) return null;
    const sessionHash = dataCenterSessionHash(sessionCookie);
    const username = await this.ask(() => this.deps.identity.sessionUser(site.tenant.clientKey, site.baseUrl, sessionCookie, sessionHash));
    if (username === null) return null;
    const user = await this.ask(() => this.deps.identity.user(site.tenant.clientKey, username));
    // Logged in, yet the connector cannot find the user: nothing to decide with, so not let through.
    if (user === null) throw unavailable();
    return {
      user,
      accountId: dataCenterAccountId(user.key),
      sessionHash,
      required: isEnforcedFor(site.policy, user.groups),
    };
  }

  /** Whether the request's `twofold_gate` cookie is a live session of this very user and Data Center session. */
  async verified(site: GateSite, who: GateBrowserUser, cookieHeader: string | undefined): Promise<boolean> {
    const token = this.deps.signer.open(cookieValue(cookieHeader, GATE_COOKIE), {
      tenant: site.tenant.clientKey,
      accountId: who.accountId,
      dataCenterSession: who.sessionHash,
    });
    if (token === null) return false;
    const key = `${site.tenant.clientKey}\u0000${who.accountId}\u0000${token}`;
    const now = this.deps.clock.now().getTime();
    const until = this.liveSessions.get(key, now);
    if (until !== undefined && until > now) return true;
    const session = await this.deps.browserSessions.current(site.tenant.clientKey, who.accountId, token);
    if (session === null) return false;
    this.liveSessions.set(key, session.verifiedUntil.getTime(), now);
    return true;
  }

  /** Whether the user has an active second factor. */
  hasFactor(tenant: string, accountId: string): Promise<boolean> {
    return this.deps.hasFactor(tenant, accountId);
  }

  private async user(site: GateSite, input: GateCheckInput, address: string): Promise<GateUser> {
    if (input.authorization !== undefined && input.authorization.trim() !== '') {
      // Server-to-server calls are Data Center's to check, and must not be asked about themselves: an
      // Application Link's OAuth 1.0a signature (Twofold's own connector among them), and the connector's
      // own Basic account, whose lookups the gate itself makes through this very proxy.
      if (/^OAuth\s/i.test(input.authorization)) return APPLICATION;
      const username = basicUsername(input.authorization);
      if (username === null) return { kind: 'refused' };
      if (site.connectorUsername !== null && username.toLowerCase() === site.connectorUsername.toLowerCase()) return APPLICATION;
      return this.basicUser(site, input, address, username);
    }
    const who = await this.browserUser(site, input.cookie);
    if (who === null) return { kind: 'anonymous' };
    if (!who.user.active) return { kind: 'refused' };
    if (!who.required) return { kind: 'browser', required: false, enrolled: false, verified: false };
    if (await this.verified(site, who, input.cookie)) return { kind: 'browser', required: true, enrolled: true, verified: true };
    return { kind: 'browser', required: true, enrolled: await this.deps.hasFactor(site.tenant.clientKey, who.accountId), verified: false };
  }

  private async basicUser(site: GateSite, input: GateCheckInput, address: string, username: string): Promise<GateUser> {
    const user = await this.ask(() => this.deps.identity.user(site.tenant.clientKey, username));
    // A username Data Center does not know: its own password check refuses the request.
    if (user === null) return { kind: 'anonymous' };
    if (!user.active) return { kind: 'refused' };
    const required = isEnforcedFor(site.policy, user.groups);
    if (!required || site.policy.gate.basicAuth === 'block') return { kind: 'basic', required, approval: null };
    const approval = await holdOrPass(this.deps.approvals, this.deps.clock.now(), site.policy, {
      tenant: site.tenant.clientKey,
      accountId: dataCenterAccountId(user.key),
      username: user.name,
      clientAddress: address,
      method: input.method,
      uri: input.uri,
      userAgent: input.userAgent ?? '',
    });
    return { kind: 'basic', required, approval };
  }

  private async ask<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      throw unavailable(error);
    }
  }
}

function unavailable(cause?: unknown): TwofoldError {
  return new TwofoldError('service_unavailable', 'Data Center could not be asked who you are. Try again in a moment.', { cause });
}
