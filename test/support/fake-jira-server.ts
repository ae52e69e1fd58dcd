/**
 * A small, real Jira Server/Data Center for tests: node:http on 127.0.0.1, an ephemeral port, a context
 * path (`/jira` by default). It plays an Application Link's incoming side (a consumer key and its public
 * key), the three OAuth endpoints with an HTML authorize page, Basic auth with Jira's lockout, the REST
 * calls the connector makes, and Jira's ways of failing. Signatures are checked by fake-jira-oauth.ts,
 * which does not share code with src/domain/oauth1.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseOAuthHeader, problemResponse, rebuildBaseString, verifySignature, type OAuthProblem } from './fake-jira-oauth';
import { authorizePage, type RequestToken } from './fake-jira-authorize';
import { handleRest, type FakeJiraUser } from './fake-jira-rest';

export type { FakeJiraUser } from './fake-jira-rest';

export interface FakeJiraOptions {
  contextPath?: string;
  consumers?: Array<{ consumerKey: string; publicKeyPem: string }>;
  users?: FakeJiraUser[];
  /** Group name → usernames. */
  groups?: Record<string, string[]>;
  /** The user logged in to Jira in the browser that opens the authorize page (default: the first user). */
  browserUser?: string;
  timestampWindowSeconds?: number;
  /** Seconds added to the real clock: Jira's clock running ahead (positive) or behind. */
  clockSkewSeconds?: number;
  accessTokenTtlSeconds?: number;
  /** Jira's Base URL setting when it differs from the address the test calls (a proxy in between). */
  baseUrlSeenByJira?: string;
  /** Failed Basic logins after which Jira demands a CAPTCHA (Jira's default is 3). */
  maxFailedLogins?: number;
}

type Headers = Record<string, string>;
interface AccessToken {
  consumerKey: string;
  secret: string;
  user: string;
  expiresAt: number;
  revoked?: boolean;
}
interface Canned {
  status: number;
  headers?: Headers;
  body?: string;
}
interface Incoming {
  req: IncomingMessage;
  method: string;
  path: string;
  query: string;
  body: string;
}
interface Reply {
  send: (status: number, headers: Headers, body: string) => void;
  problem: (p: OAuthProblem) => void;
}
interface Verified {
  params: Map<string, string>;
  consumerKey: string;
  token?: string;
}
export interface RecordedRequest {
  method: string;
  path: string;
  auth: 'oauth' | 'basic' | 'none';
  status: number;
}

const OAUTH = '/plugins/servlet/oauth';
const HTML = { 'Content-Type': 'text/html;charset=UTF-8' };
const TEXT = { 'Content-Type': 'text/plain;charset=UTF-8' };
const JSON_TYPE = { 'Content-Type': 'application/json;charset=UTF-8' };
const FIVE_YEARS = 157_680_000;

export class FakeJiraServer {
  readonly requests: RecordedRequest[] = [];
  readonly properties = new Map<string, unknown>(); // `${userKey}\u0000${propertyKey}` → value
  clockSkewSeconds: number;
  #server: Server;
  #baseUrl = '';
  readonly #opts: Required<Omit<FakeJiraOptions, 'baseUrlSeenByJira' | 'browserUser'>> & Pick<FakeJiraOptions, 'baseUrlSeenByJira' | 'browserUser'>;
  readonly #requestTokens = new Map<string, RequestToken>();
  readonly #accessTokens = new Map<string, AccessToken>();
  readonly #nonces = new Set<string>();
  readonly #failedLogins = new Map<string, number>();
  readonly #canned: Array<{ pathSuffix: string; response: Canned }> = [];

  private constructor(options: FakeJiraOptions) {
    const defaults = { contextPath: '/jira', consumers: [], users: [], groups: {}, timestampWindowSeconds: 300, clockSkewSeconds: 0 };
    this.#opts = { ...defaults, accessTokenTtlSeconds: FIVE_YEARS, maxFailedLogins: 3, ...options };
    this.#opts.consumers = [...this.#opts.consumers]; // addConsumer() must not change the caller's array
    this.clockSkewSeconds = this.#opts.clockSkewSeconds;
    this.#server = createServer((req, res) => void this.#handle(req, res));
  }

  static async start(options: FakeJiraOptions = {}): Promise<FakeJiraServer> {
    const fake = new FakeJiraServer(options);
    await new Promise<void>((resolve) => fake.#server.listen(0, '127.0.0.1', resolve));
    fake.#baseUrl = `http://127.0.0.1:${(fake.#server.address() as AddressInfo).port}${fake.#opts.contextPath}`;
    return fake;
  }

  /** The address tests give the connector, context path included. */
  get baseUrl(): string {
    return this.#baseUrl;
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  /** Answers the next request whose path ends with `pathSuffix` with this, before any authentication. */
  enqueue(pathSuffix: string, ...responses: Canned[]): void {
    for (const response of responses) this.#canned.push({ pathSuffix, response });
  }

  /**
   * What a Jira admin does in Administration › Application links › Incoming Authentication: links a
   * consumer key to a public key (PEM, or the bare base64 the form takes), replacing an earlier one.
   */
  addConsumer(consumerKey: string, publicKey: string): void {
    const body = publicKey.replace(/-----(BEGIN|END) PUBLIC KEY-----/g, '').replace(/\s+/g, '');
    const publicKeyPem = `-----BEGIN PUBLIC KEY-----\n${body.replace(/(.{64})/g, '$1\n').replace(/\n$/, '')}\n-----END PUBLIC KEY-----\n`;
    const consumers = this.#opts.consumers;
    const existing = consumers.findIndex((c) => c.consumerKey === consumerKey);
    if (existing !== -1) consumers.splice(existing, 1);
    consumers.push({ consumerKey, publicKeyPem });
  }

  /** The access tokens Jira issued (with their secrets), oldest first: what tests revoke and look for in the database. */
  issuedAccessTokens(): Array<{ token: string; secret: string; consumerKey: string; user: string; revoked: boolean }> {
    return [...this.#accessTokens].map(([token, t]) => ({ token, secret: t.secret, consumerKey: t.consumerKey, user: t.user, revoked: t.revoked === true }));
  }

  /** The request tokens Jira issued, with their secrets (for the database check). */
  issuedRequestTokens(): Array<{ token: string; secret: string }> {
    return [...this.#requestTokens].map(([token, t]) => ({ token, secret: t.secret }));
  }

  /** What "Revoke" under Profile › Tools › View OAuth Access Tokens does. */
  revokeToken(accessToken: string): void {
    const token = this.#accessTokens.get(accessToken);
    if (token !== undefined) token.revoked = true;
  }

  failedLogins(username: string): number {
    return this.#failedLogins.get(username) ?? 0;
  }

  #nowSeconds(): number {
    return Math.floor(Date.now() / 1000) + this.clockSkewSeconds;
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const [rawPath = '', query = ''] = (req.url ?? '').split('?', 2);
    const path = rawPath.slice(this.#opts.contextPath.length);
    const incoming: Incoming = { req, method: req.method ?? 'GET', path, query, body: Buffer.concat(chunks).toString('utf8') };
    const scheme = req.headers.authorization ?? '';
    const auth = /^OAuth /i.test(scheme) ? 'oauth' : /^Basic /i.test(scheme) ? 'basic' : 'none';
    const record: RecordedRequest = { method: incoming.method, path, auth, status: 0 };
    this.requests.push(record);
    const reply: Reply = {
      send: (status, headers, text) => {
        record.status = status;
        res.writeHead(status, headers).end(text);
      },
      problem: (p) => {
        const r = problemResponse(this.#opts.baseUrlSeenByJira ?? this.#baseUrl, p);
        reply.send(r.status, r.headers, r.body);
      },
    };

    const cannedIndex = this.#canned.findIndex((c) => rawPath.endsWith(c.pathSuffix));
    if (cannedIndex !== -1) {
      const { response } = this.#canned.splice(cannedIndex, 1)[0]!;
      return reply.send(response.status, response.headers ?? {}, response.body ?? '');
    }
    if (!rawPath.startsWith(`${this.#opts.contextPath}/`)) return reply.send(404, HTML, '<h1>Not Found</h1>');
    if (path === `${OAUTH}/request-token` && incoming.method === 'POST') return this.#requestToken(incoming, reply);
    if (path === `${OAUTH}/access-token` && incoming.method === 'POST') return this.#accessToken(incoming, reply);
    if (path === `${OAUTH}/authorize`) {
      const browserUser = this.#opts.browserUser ?? this.#opts.users[0]?.name ?? 'admin';
      const form = incoming.method === 'POST' ? incoming.body : query;
      return authorizePage(incoming.method, form, this.#requestTokens, browserUser, reply.send);
    }
    if (path.startsWith('/rest/api/2/')) {
      const user = this.#authenticateRest(incoming, reply);
      if (user === undefined) return;
      const context = { ...incoming, query: new URLSearchParams(query), user, properties: this.properties, baseUrl: this.#baseUrl };
      const result = handleRest({ ...context, users: this.#opts.users, groups: this.#opts.groups });
      return reply.send(result.status, JSON_TYPE, result.body === undefined ? '' : JSON.stringify(result.body));
    }
    return reply.send(404, HTML, '<h1>Not Found</h1>');
  }

  #requestToken(incoming: Incoming, reply: Reply): void {
    const checked = this.#verifyOAuth(incoming, 'none');
    if ('problem' in checked) return reply.problem(checked);
    const callback = checked.params.get('oauth_callback');
    if (callback === undefined) {
      return reply.problem({ status: 400, problem: 'parameter_absent', extra: { oauth_parameters_absent: 'oauth_callback' } });
    }
    const [token, secret] = [hex(16), hex(16)];
    this.#requestTokens.set(token, { consumerKey: checked.consumerKey, secret, callback, createdAt: this.#nowSeconds() });
    reply.send(200, TEXT, `oauth_token=${token}&oauth_token_secret=${secret}&oauth_callback_confirmed=true`);
  }

  #accessToken(incoming: Incoming, reply: Reply): void {
    const checked = this.#verifyOAuth(incoming, 'request');
    if ('problem' in checked) return reply.problem(checked);
    const requestToken = this.#requestTokens.get(checked.token!)!;
    if (requestToken.used) return reply.problem({ status: 401, problem: 'token_used' });
    if (requestToken.denied) return reply.problem({ status: 401, problem: 'permission_denied' });
    if (requestToken.user === undefined) return reply.problem({ status: 401, problem: 'permission_unknown' });
    if (checked.params.get('oauth_verifier') !== requestToken.verifier) {
      return reply.problem({ status: 401, problem: 'token_rejected', advice: 'verifier mismatch' });
    }
    requestToken.used = true;
    const [token, secret, ttl] = [hex(16), hex(16), this.#opts.accessTokenTtlSeconds];
    this.#accessTokens.set(token, { consumerKey: checked.consumerKey, secret, user: requestToken.user, expiresAt: this.#nowSeconds() + ttl });
    const session = `oauth_session_handle=${hex(8)}&oauth_authorization_expires_in=${ttl + 3_024_000}`;
    reply.send(200, TEXT, `oauth_token=${token}&oauth_token_secret=${secret}&oauth_expires_in=${ttl}&${session}`);
  }

  /** Basic (with Jira's failed-login count and CAPTCHA) or an OAuth access token; anything else is a 401. */
  #authenticateRest(incoming: Incoming, reply: Reply): FakeJiraUser | undefined {
    const header = incoming.req.headers.authorization ?? '';
    const challenge = { 'WWW-Authenticate': `OAuth realm="${encodeURIComponent(this.#baseUrl)}"` };
    if (/^Basic /i.test(header)) {
      const [username = '', password] = Buffer.from(header.slice(6), 'base64').toString('utf8').split(/:(.*)/s);
      if (this.failedLogins(username) >= this.#opts.maxFailedLogins) {
        const denied = `CAPTCHA_CHALLENGE; login-url=${this.#baseUrl}/login.jsp`;
        return void reply.send(403, { 'X-Authentication-Denied-Reason': denied, 'X-Seraph-LoginReason': 'AUTHENTICATION_DENIED' }, '');
      }
      const user = this.#opts.users.find((u) => u.name === username);
      if (user?.password === undefined || user.password !== password) {
        this.#failedLogins.set(username, this.failedLogins(username) + 1);
        return void reply.send(401, { ...challenge, 'X-Seraph-LoginReason': 'AUTHENTICATED_FAILED' }, '');
      }
      this.#failedLogins.set(username, 0);
      return user;
    }
    if (/^OAuth /i.test(header)) {
      const checked = this.#verifyOAuth(incoming, 'access');
      if ('problem' in checked) return void reply.problem(checked);
      return this.#opts.users.find((u) => u.name === this.#accessTokens.get(checked.token!)!.user);
    }
    return void reply.send(401, challenge, '');
  }

  /** Consumer, token, timestamp, nonce, then signature: the order Jira's OAuth filter checks them in. */
  #verifyOAuth(incoming: Incoming, tokenKind: 'none' | 'request' | 'access'): OAuthProblem | Verified {
    const params = parseOAuthHeader(incoming.req.headers.authorization);
    if (params === null) return { status: 400, problem: 'parameter_rejected', advice: 'no readable OAuth header' };
    const required = ['oauth_consumer_key', 'oauth_signature_method', 'oauth_signature', 'oauth_timestamp', 'oauth_nonce'];
    const absent = [...required, ...(tokenKind === 'none' ? [] : ['oauth_token'])].filter((name) => !params.has(name));
    if (absent.length > 0) return { status: 400, problem: 'parameter_absent', extra: { oauth_parameters_absent: absent.join('&') } };
    const consumerKey = params.get('oauth_consumer_key')!;
    const consumer = this.#opts.consumers.find((c) => c.consumerKey === consumerKey);
    if (consumer === undefined) return { status: 401, problem: 'consumer_key_unknown' };
    if (params.get('oauth_signature_method') !== 'RSA-SHA1') return { status: 400, problem: 'signature_method_rejected' };
    const token = params.get('oauth_token');
    const now = this.#nowSeconds();
    if (tokenKind !== 'none') {
      const known = tokenKind === 'request' ? this.#requestTokens.get(token!) : this.#accessTokens.get(token!);
      if (known === undefined || known.consumerKey !== consumerKey || ('revoked' in known && known.revoked === true)) {
        return { status: 401, problem: 'token_rejected' };
      }
      const expired = 'createdAt' in known ? now - known.createdAt > 600 : now > known.expiresAt;
      if (expired) return { status: 401, problem: 'token_expired' };
    }
    const window = this.#opts.timestampWindowSeconds;
    const timestamp = Number(params.get('oauth_timestamp'));
    if (!(Math.abs(timestamp - now) <= window)) {
      return { status: 401, problem: 'timestamp_refused', extra: { oauth_acceptable_timestamps: `${now - window}-${now + window}` } };
    }
    const nonceKey = [consumerKey, token ?? '', timestamp, params.get('oauth_nonce')].join('|');
    if (this.#nonces.has(nonceKey)) return { status: 401, problem: 'nonce_used' };
    this.#nonces.add(nonceKey);
    const { req, method, path, query, body } = incoming;
    const uriBase = this.#opts.baseUrlSeenByJira ?? `http://${(req.headers.host ?? '').toLowerCase()}${this.#opts.contextPath}`;
    const baseString = rebuildBaseString(method, uriBase, path, query, req.headers, body, params);
    if (typeof baseString !== 'string') {
      return { status: 400, problem: 'parameter_rejected', extra: { oauth_parameters_rejected: baseString.duplicate } };
    }
    const signature = params.get('oauth_signature')!;
    if (!verifySignature(baseString, signature, consumer.publicKeyPem)) {
      const extra = { oauth_signature: signature, oauth_signature_base_string: baseString, oauth_signature_method: 'RSA-SHA1' };
      return { status: 401, problem: 'signature_invalid', extra };
    }
    return { params, consumerKey, ...(token === undefined ? {} : { token }) };
  }
}

function hex(bytes: number): string {
  return randomBytes(bytes).toString('hex');
}
