import { TwofoldError } from '../../domain/errors';
import { retryAfterMs } from '../../domain/http/retry-after';
import { baseStringUri, normalizeJiraBaseUrl } from '../../domain/oauth1';
import type { Clock } from '../../domain/ports/clock';
import { UnreachableError, type HttpMethod, type HttpResponse, type HttpTransport } from '../../domain/ports/http-transport';
import type { Random } from '../../domain/ports/random';
import { classifyFailure } from './jira-errors';
import type { CredentialsRejection, JiraPage, JiraServerClient, JiraServerCredentials, JiraUser, JiraUserRef } from '../../domain/ports/jira-server-client';
import { parseJson, parseUser, parseUserPage } from './jira-json';
import { authenticatorFor, type RequestAuthenticator } from './request-authenticator';
import { DEFAULT_RETRY_POLICY, backoffDelayMs, isRetryableStatus, isRetryableUnreachable, type RetryPolicy } from './retry-policy';
import { assertSecureBaseUrl } from './secure-url';

export interface HttpJiraServerClientOptions {
  /** Jira's base URL, context path included (`https://jira.example.com/jira`). */
  baseUrl: string;
  credentials: JiraServerCredentials;
  transport: HttpTransport;
  clock: Clock;
  random: Random;
  /**
   * Called once, when Jira refuses the credentials themselves (dead token, wrong password, CAPTCHA). The
   * caller marks the connector `needs_reauthorization`; this client refuses every later call on its own.
   */
  onCredentialsRejected: (rejection: CredentialsRejection) => void | Promise<void>;
  timeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  /** Injected so that tests do not wait for real backoff delays. */
  sleep?: (ms: number) => Promise<void>;
  pageSize?: number;
}

interface Call {
  method: HttpMethod;
  path: string;
  query?: Record<string, string>;
  json?: unknown;
}

const REST = '/rest/api/2';

/** The JiraServerClient port over HTTP, with OAuth 1.0a or Basic credentials. */
export class HttpJiraServerClient implements JiraServerClient {
  readonly authType: JiraServerCredentials['type'];
  readonly #base: string;
  readonly #auth: RequestAuthenticator;
  readonly #consumerKey: string | undefined;
  readonly #transport: HttpTransport;
  readonly #clock: Clock;
  readonly #random: Random;
  readonly #onRejected: HttpJiraServerClientOptions['onCredentialsRejected'];
  readonly #timeoutMs: number;
  readonly #pageSize: number;
  readonly #retry: RetryPolicy;
  readonly #sleep: (ms: number) => Promise<void>;
  #rejected: CredentialsRejection | undefined;

  constructor(options: HttpJiraServerClientOptions) {
    assertSecureBaseUrl(options.baseUrl);
    this.#base = normalizeJiraBaseUrl(options.baseUrl);
    this.authType = options.credentials.type;
    this.#auth = authenticatorFor(options.credentials, options.clock, options.random);
    this.#consumerKey = options.credentials.type === 'oauth1' ? options.credentials.consumerKey : undefined;
    // Only the authenticator's closure keeps the credentials; the options object is not stored.
    this.#transport = options.transport;
    this.#clock = options.clock;
    this.#random = options.random;
    this.#onRejected = options.onCredentialsRejected;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    this.#pageSize = options.pageSize ?? 50;
    this.#retry = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    this.#sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  async myself(): Promise<JiraUser> {
    return parseUser(parseJson((await this.#call({ method: 'GET', path: `${REST}/myself` })).body));
  }

  async findUser(user: JiraUserRef): Promise<JiraUser | null> {
    const response = await this.#call({ method: 'GET', path: `${REST}/user`, query: userQuery(user, 'key') }, [404]);
    return response.status === 404 ? null : parseUser(parseJson(response.body));
  }

  async findUserWithGroups(user: JiraUserRef): Promise<(JiraUser & { groups: string[] }) | null> {
    const response = await this.#call({ method: 'GET', path: `${REST}/user`, query: { ...userQuery(user, 'key'), expand: 'groups' } }, [404]);
    if (response.status === 404) return null;
    const body = parseJson(response.body);
    const items = (body as { groups?: { items?: unknown } } | null)?.groups?.items;
    const groups = Array.isArray(items)
      ? items.flatMap((item) => (typeof (item as { name?: unknown })?.name === 'string' ? [(item as { name: string }).name] : []))
      : [];
    return { ...parseUser(body), groups };
  }

  async groupMembers(group: string, cursor: string | null = null): Promise<JiraPage<JiraUser>> {
    const startAt = cursor === null ? 0 : Number(cursor);
    if (!Number.isSafeInteger(startAt) || startAt < 0) throw new TypeError('not a cursor from groupMembers');
    const query = { groupname: group, startAt: String(startAt), maxResults: String(this.#pageSize), includeInactiveUsers: 'true' };
    const response = await this.#call({ method: 'GET', path: `${REST}/group/member`, query }, [404]);
    // Jira's answer, not a missing Twofold resource: a 502 at the edge like every other answer of Jira's.
    if (response.status === 404) {
      throw new TwofoldError('upstream_error', `Jira has no group named "${group}": check the group's name in Jira.`, { details: { status: 404, group } });
    }
    return parseUserPage(parseJson(response.body), startAt);
  }

  async getUserProperty(user: JiraUserRef, propertyKey: string): Promise<unknown> {
    const response = await this.#call({ method: 'GET', path: propertyPath(propertyKey), query: userQuery(user, 'userKey') }, [404]);
    if (response.status === 404) return null;
    const property = parseJson(response.body) as { value?: unknown } | null;
    return property?.value ?? null;
  }

  async setUserProperty(user: JiraUserRef, propertyKey: string, value: unknown): Promise<void> {
    await this.#call({ method: 'PUT', path: propertyPath(propertyKey), query: userQuery(user, 'userKey'), json: value });
  }

  async deleteUserProperty(user: JiraUserRef, propertyKey: string): Promise<void> {
    await this.#call({ method: 'DELETE', path: propertyPath(propertyKey), query: userQuery(user, 'userKey') }, [404]);
  }

  /**
   * One logical call: sign, send, and retry only what another attempt can cure. Resolves with a 2xx (or an
   * `accepted` status such as 404 where absence is an answer); throws a TwofoldError otherwise.
   * Retrying after a lost answer is safe because every call here is idempotent (GET, PUT, DELETE).
   */
  async #call(call: Call, accepted: number[] = []): Promise<HttpResponse> {
    const url = new URL(`${this.#base}${call.path}`);
    for (const [name, value] of Object.entries(call.query ?? {})) url.searchParams.append(name, value);
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (call.json !== undefined) headers['Content-Type'] = 'application/json';
    const body = call.json === undefined ? undefined : JSON.stringify(call.json);

    for (let attempt = 1; ; attempt++) {
      this.#refuseIfRejected();
      const request = this.#auth.authenticate({ method: call.method, url: url.toString(), headers, ...(body === undefined ? {} : { body }) });
      let response: HttpResponse;
      try {
        response = await this.#transport.send({ ...request, timeoutMs: this.#timeoutMs });
      } catch (error) {
        if (!(error instanceof UnreachableError) || !isRetryableUnreachable(error) || attempt >= this.#retry.maxAttempts) throw error;
        await this.#sleep(backoffDelayMs(this.#retry, attempt, this.#random));
        continue;
      }
      if ((response.status >= 200 && response.status < 300) || accepted.includes(response.status)) return response;
      if (isRetryableStatus(response.status) && attempt < this.#retry.maxAttempts) {
        const wait = retryAfterMs(response.headers['retry-after'], this.#clock.now());
        if (wait === undefined || wait <= this.#retry.maxRetryAfterMs) {
          await this.#sleep(wait ?? backoffDelayMs(this.#retry, attempt, this.#random));
          continue;
        }
      }
      const failure = classifyFailure(response, {
        authType: this.authType,
        method: call.method,
        url: url.toString(),
        ...(this.authType === 'oauth1' ? { signedUri: baseStringUri(url) } : {}),
        ...(this.#consumerKey === undefined ? {} : { consumerKey: this.#consumerKey }),
        now: this.#clock.now(),
      });
      if (failure.kind === 'credentials_rejected') await this.#reject(failure.rejection, failure.error);
      throw failure.error;
    }
  }

  #refuseIfRejected(): void {
    if (this.#rejected === undefined) return;
    const fix = this.authType === 'oauth1' ? 'reauthorize the connector' : 'save new credentials';
    throw new TwofoldError(
      'connector_needs_reauthorization',
      `Jira refused the connector's credentials earlier (${this.#rejected.code}); ${fix} before using it again.`,
      { details: { status: 'needs_reauthorization', reason: this.#rejected.code, problem: this.#rejected.problem } },
    );
  }

  /** Latches the refusal first, so that concurrent calls that fail too do not report it again. */
  async #reject(rejection: CredentialsRejection, error: TwofoldError): Promise<void> {
    if (this.#rejected !== undefined) return;
    this.#rejected = rejection;
    try {
      await this.#onRejected(rejection);
    } catch (callbackError) {
      // The caller still learns what Jira said; the failed bookkeeping travels as the cause.
      throw new TwofoldError(error.code, error.message, { cause: callbackError, ...(error.details === undefined ? {} : { details: error.details }) });
    }
  }

  /** What a logger or JSON.stringify shows of the client: never the credentials. */
  toJSON(): Record<string, string> {
    return { baseUrl: this.#base, authType: this.authType };
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `HttpJiraServerClient { baseUrl: '${this.#base}', authType: '${this.authType}' }`;
  }
}

function userQuery(user: JiraUserRef, keyParameter: 'key' | 'userKey'): Record<string, string> {
  return 'key' in user ? { [keyParameter]: user.key } : { username: user.username };
}

function propertyPath(propertyKey: string): string {
  if (propertyKey === '' || propertyKey.length > 255) throw new TypeError('a Jira property key has 1 to 255 characters');
  return `${REST}/user/properties/${encodeURIComponent(propertyKey)}`;
}
