import {
  baseStringUri,
  buildAccessTokenRequest,
  buildAuthorizeUrl,
  buildRequestTokenRequest,
  isOAuth1Error,
  jiraServerEndpoints,
  parseAccessTokenResponse,
  parseRequestTokenResponse,
  type AccessTokenResult,
  type OAuth1Endpoints,
  type OAuth1Request,
  type TemporaryCredentials,
  type TokenCredentials,
} from '../../domain/oauth1';
import type { Clock } from '../../domain/ports/clock';
import type { HttpResponse, HttpTransport } from '../../domain/ports/http-transport';
import type { Random } from '../../domain/ports/random';
import { assertSecureBaseUrl } from './secure-url';

export interface JiraServerOAuthDanceOptions {
  baseUrl: string;
  consumerKey: string;
  privateKeyPem: string;
  transport: HttpTransport;
  clock: Clock;
  random: Random;
  timeoutMs?: number;
}

/**
 * Runs the domain's build/parse pairs over the transport, for Jira Server/DC (RSA-SHA1 only).
 *
 * No retries here, unlike the REST client: a request token is good for one exchange, so an exchange
 * retried after a lost answer would fail with `token_used` and hide what really happened. The admin
 * clicks Authorize again instead. Failures throw the step's OAuth1Error (or UnreachableError).
 */
export class JiraServerOAuthDance {
  readonly endpoints: OAuth1Endpoints;
  readonly #client: { consumerKey: string; signatureMethod: 'RSA-SHA1'; privateKeyPem: string };
  readonly #options: Omit<JiraServerOAuthDanceOptions, 'privateKeyPem'>;

  constructor(options: JiraServerOAuthDanceOptions) {
    assertSecureBaseUrl(options.baseUrl);
    this.endpoints = jiraServerEndpoints(options.baseUrl);
    this.#client = { consumerKey: options.consumerKey, signatureMethod: 'RSA-SHA1', privateKeyPem: options.privateKeyPem };
    const { privateKeyPem: _secret, ...rest } = options;
    this.#options = rest;
  }

  /** Step 1, then the step 2 address the admin's browser goes to. `callback` is a URL or `oob`. */
  async requestToken(callback: string): Promise<{ requestToken: TemporaryCredentials; authorizeUrl: string }> {
    const { clock, random } = this.#options;
    const request = buildRequestTokenRequest({ endpoints: this.endpoints, client: this.#client, callback, clock, random });
    const response = await this.#send(request);
    const result = parseRequestTokenResponse(response.status, response.headers, response.body, { ...this.#context(request), now: clock.now() });
    if (isOAuth1Error(result)) throw result;
    return { requestToken: result, authorizeUrl: buildAuthorizeUrl(this.endpoints, result.token) };
  }

  /** Step 3: the request token and the verifier (from the callback, or pasted in the `oob` case). */
  async accessToken(requestToken: TokenCredentials, verifier: string): Promise<AccessTokenResult> {
    const { clock, random } = this.#options;
    const request = buildAccessTokenRequest({ endpoints: this.endpoints, client: this.#client, requestToken, verifier, clock, random });
    const response = await this.#send(request);
    const result = parseAccessTokenResponse(response.status, response.headers, response.body, { ...this.#context(request), clock });
    if (isOAuth1Error(result)) throw result;
    return result;
  }

  #send(request: OAuth1Request): Promise<HttpResponse> {
    return this.#options.transport.send({ ...request, timeoutMs: this.#options.timeoutMs ?? 10_000 });
  }

  #context(request: OAuth1Request): { url: string; consumerKey: string; signedUri: string } {
    return { url: request.url, consumerKey: this.#client.consumerKey, signedUri: baseStringUri(request.url) };
  }

  toJSON(): Record<string, string> {
    return { requestTokenUrl: this.endpoints.requestTokenUrl, consumerKey: this.#client.consumerKey };
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `JiraServerOAuthDance { consumerKey: '${this.#client.consumerKey}', requestTokenUrl: '${this.endpoints.requestTokenUrl}' }`;
  }
}
