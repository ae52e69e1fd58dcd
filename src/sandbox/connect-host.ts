import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import * as jwt from 'atlassian-jwt';
import type { Clock } from '../domain/ports/clock';
import type { AppDescriptor, InstalledApp, SandboxState } from './sandbox-state';

export interface LifecycleDelivery {
  status: number;
  body: string;
}

/**
 * The Connect side of a stand-in Jira Cloud site: it installs an app from its descriptor URL with a
 * signed install hook, frames the app's pages with page JWTs, mints context tokens for AP, and checks
 * the JWTs of the app's REST calls. Install hooks are RS256-signed with a key this host serves at
 * `<hostBaseUrl>/connect-keys/<kid>`, the way Atlassian's CDN serves Jira's.
 * @see https://developer.atlassian.com/cloud/jira/platform/security-for-connect-apps/
 */
export class SandboxConnectHost {
  readonly keyId = `sandbox-${randomUUID()}`;
  readonly publicKeyPem: string;
  private readonly privateKeyPem: string;

  constructor(
    readonly hostBaseUrl: string,
    private readonly state: SandboxState,
    private readonly clock: Clock,
  ) {
    const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
    this.publicKeyPem = pair.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    this.privateKeyPem = pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  }
  /** A user property as the sandbox's REST API holds it (tests and the sandbox's own pages). */
  userProperty(accountId: string, key: string): unknown {
    return this.state.userProperties(accountId)[key];
  }

  /** Sets a user property as Jira's REST API would (tests: a property someone else wrote). */
  setUserProperty(accountId: string, key: string, value: unknown): void {
    this.state.setUserProperty(accountId, key, value);
  }

  get clientKey(): string {
    return this.state.clientKey;
  }

  get installed(): InstalledApp | null {
    return this.state.installed;
  }

  /** Fetches the descriptor, sends the signed install hook with a fresh sharedSecret, and remembers the app. */
  async install(descriptorUrl: string): Promise<InstalledApp> {
    const descriptor = await fetchDescriptor(descriptorUrl);
    const sharedSecret = randomBytes(32).toString('base64url');
    const appBaseUrl = descriptor.baseUrl.replace(/\/+$/, '');
    const delivery = await this.deliverLifecycle(
      appBaseUrl,
      descriptor.lifecycle?.installed ?? '/installed',
      this.lifecyclePayload(descriptor.key, 'installed', sharedSecret),
    );
    if (delivery.status < 200 || delivery.status >= 300) {
      throw new Error(`The app refused the install (HTTP ${delivery.status}): ${delivery.body.slice(0, 300)}`);
    }
    const app: InstalledApp = { appKey: descriptor.key, appBaseUrl, descriptorUrl, sharedSecret, installedAt: this.clock.now().toISOString(), descriptor };
    this.state.setInstalled(app);
    return app;
  }

  async uninstall(): Promise<void> {
    const app = this.state.installed;
    if (!app) return;
    const delivery = await this.deliverLifecycle(
      app.appBaseUrl,
      app.descriptor.lifecycle?.uninstalled ?? '/uninstalled',
      this.lifecyclePayload(app.appKey, 'uninstalled', app.sharedSecret),
    );
    if (delivery.status < 200 || delivery.status >= 300) {
      throw new Error(`The app refused the uninstall (HTTP ${delivery.status}): ${delivery.body.slice(0, 300)}`);
    }
    this.state.setInstalled(null);
  }

  lifecyclePayload(appKey: string, eventType: 'installed' | 'uninstalled', sharedSecret: string): Record<string, unknown> {
    return {
      key: appKey,
      clientKey: this.clientKey,
      sharedSecret,
      serverVersion: '100000',
      pluginsVersion: '1001.0.0.SANDBOX',
      baseUrl: this.hostBaseUrl,
      displayUrl: this.hostBaseUrl,
      productType: 'jira',
      description: 'Twofold sandbox Jira Cloud site',
      eventType,
    };
  }

  /** POSTs a lifecycle payload with an RS256 JWT, as Jira does with signed install on. */
  async deliverLifecycle(appBaseUrl: string, path: string, payload: Record<string, unknown>, claims: Record<string, unknown> = {}): Promise<LifecycleDelivery> {
    const token = this.signLifecycleToken(appBaseUrl, path, claims);
    const response = await fetch(`${appBaseUrl}${path}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `JWT ${token}` },
      body: JSON.stringify(payload),
      signal: AbortSignal.timeout(10_000),
    });
    return { status: response.status, body: await response.text() };
  }

  /** The RS256 install-hook JWT: iss = clientKey, aud = the app's baseUrl, qsh of `POST <path>`. */
  signLifecycleToken(appBaseUrl: string, path: string, claims: Record<string, unknown> = {}): string {
    const now = this.nowSeconds();
    const payload = {
      iss: this.clientKey,
      aud: [appBaseUrl],
      iat: now,
      exp: now + 180,
      qsh: jwt.createQueryStringHash(jwt.fromMethodAndUrl('POST', path)),
      context: {},
      ...claims,
    };
    return jwt.encodeAsymmetric(payload, this.privateKeyPem, jwt.AsymmetricAlgorithm.RS256, { kid: this.keyId });
  }

  /** The URL Jira puts in a page module's iframe: the module URL plus context parameters and a page JWT. */
  pageUrl(moduleKey: string, accountId: string): string {
    const app = this.requireInstalled();
    const module = [...(app.descriptor.modules?.adminPages ?? []), ...(app.descriptor.modules?.generalPages ?? [])].find((m) => m.key === moduleKey);
    if (!module) throw new Error(`The app has no page module ${moduleKey}`);
    const host = new URL(this.hostBaseUrl);
    const query = new URLSearchParams({
      xdm_e: host.origin,
      cp: host.pathname.replace(/\/+$/, ''),
      lic: 'none',
      cv: '1001.0.0-SANDBOX',
      xdm_c: `channel-${moduleKey}`,
    });
    const pathAndQuery = `${module.url}${module.url.includes('?') ? '&' : '?'}${query.toString()}`;
    const now = this.nowSeconds();
    const token = jwt.encodeSymmetric(
      {
        iss: this.clientKey,
        sub: accountId,
        iat: now,
        exp: now + 180,
        qsh: jwt.createQueryStringHash(jwt.fromMethodAndUrl('GET', pathAndQuery)),
        context: { user: { accountId } },
      },
      app.sharedSecret,
    );
    return `${app.appBaseUrl}${pathAndQuery}&jwt=${encodeURIComponent(token)}`;
  }

  /** What AP.context.getToken() hands a page: HS256, qsh `context-qsh`, valid 15 minutes. */
  contextToken(accountId: string, validitySeconds = 900): string {
    const app = this.requireInstalled();
    const now = this.nowSeconds();
    return jwt.encodeSymmetric(
      { iss: this.clientKey, sub: accountId, iat: now, exp: now + validitySeconds, qsh: 'context-qsh', context: { user: { accountId } } },
      app.sharedSecret,
    );
  }

  /**
   * Checks the JWT of a REST call the app makes to this host: HS256 with the shared secret, issued by
   * the installed app, not expired, and with the qsh of this very request.
   */
  verifyAppRequest(method: string, pathAndQuery: string, authorization: string | undefined): { ok: true } | { ok: false; reason: string } {
    const app = this.state.installed;
    if (!app) return { ok: false, reason: 'no app is installed' };
    if (!authorization?.startsWith('JWT ')) return { ok: false, reason: 'missing JWT' };
    let claims: { iss?: string; exp?: number; qsh?: string };
    try {
      claims = jwt.decodeSymmetric(authorization.slice(4), app.sharedSecret, jwt.SymmetricAlgorithm.HS256) as typeof claims;
    } catch {
      return { ok: false, reason: 'JWT signature does not verify' };
    }
    if (claims.iss !== app.appKey) return { ok: false, reason: 'JWT issuer is not the installed app' };
    if (typeof claims.exp !== 'number' || claims.exp <= this.nowSeconds()) return { ok: false, reason: 'JWT expired' };
    const expected = jwt.createQueryStringHash(jwt.fromMethodAndUrl(method, pathAndQuery), false, this.hostBaseUrl);
    if (claims.qsh !== expected) return { ok: false, reason: 'JWT qsh does not match the request' };
    return { ok: true };
  }

  private requireInstalled(): InstalledApp {
    const app = this.state.installed;
    if (!app) throw new Error('No app is installed in the sandbox; install it first');
    return app;
  }

  private nowSeconds(): number {
    return Math.floor(this.clock.now().getTime() / 1000);
  }
}

async function fetchDescriptor(descriptorUrl: string): Promise<AppDescriptor> {
  const response = await fetch(descriptorUrl, { signal: AbortSignal.timeout(10_000), headers: { Accept: 'application/json' } });
  if (!response.ok) throw new Error(`The descriptor at ${descriptorUrl} answered HTTP ${response.status}`);
  const descriptor = (await response.json()) as Partial<AppDescriptor>;
  if (typeof descriptor.key !== 'string' || typeof descriptor.baseUrl !== 'string') {
    throw new Error(`The document at ${descriptorUrl} is not a Connect descriptor (no key or baseUrl)`);
  }
  return descriptor as AppDescriptor;
}
