import type { Clock } from '../ports/clock';
import type { Random } from '../ports/random';
import type { OAuth1Endpoints } from './jira-endpoints';
import { signRequest } from './making-requests';
import type { OAuth1Error } from './oauth1-error';
import { parseFormEncoded } from './percent-encoding';
import { malformedAnswer as malformed, oauth1ErrorFromResponse, type ResponseContext } from './unsuccessful-response';
import type { ClientCredentials, OAuth1Request, TokenCredentials } from './types';

export interface RequestTokenInput {
  endpoints: OAuth1Endpoints;
  client: ClientCredentials;
  /** Where Jira sends the admin's browser back: an absolute URL, or `oob` when Jira cannot reach Twofold. */
  callback: string;
  clock: Clock;
  random: Random;
}

/** A request token and its secret, with the server's confirmation that it will honour the callback. */
export interface TemporaryCredentials extends TokenCredentials {
  callbackConfirmed: true;
}

/**
 * Step 1: `POST` to the request-token endpoint, signed with the client credentials only (no token, empty
 * token secret), `oauth_callback` in the Authorization header and nowhere else.
 * @see RFC 5849 §2.1
 */
export function buildRequestTokenRequest(input: RequestTokenInput): OAuth1Request {
  if (input.callback !== 'oob' && !/^https?:\/\//i.test(input.callback)) {
    throw new TypeError('oauth_callback must be an absolute http(s) URL or "oob" (case sensitive)');
  }
  return signRequest(
    { method: 'POST', url: input.endpoints.requestTokenUrl, headers: { Accept: 'application/x-www-form-urlencoded' } },
    { client: input.client, extraParameters: [['oauth_callback', input.callback]], clock: input.clock, random: input.random },
  );
}

/**
 * Step 1's answer: a form-encoded body with `oauth_token`, `oauth_token_secret` and
 * `oauth_callback_confirmed=true`. The confirmation is required: without it the server speaks the
 * pre-1.0a protocol, which has no verifier and is open to session fixation.
 * @see RFC 5849 §2.1
 */
export function parseRequestTokenResponse(
  status: number,
  headers: Readonly<Record<string, string>>,
  body: string,
  context: ResponseContext = {},
): TemporaryCredentials | OAuth1Error {
  if (status !== 200) return oauth1ErrorFromResponse(status, headers, body, context);
  const fields = new Map(parseFormEncoded(body.trim()));
  const token = fields.get('oauth_token');
  const tokenSecret = fields.get('oauth_token_secret');
  if (token === undefined || token === '' || tokenSecret === undefined) {
    return malformed('the request token (oauth_token, oauth_token_secret)', status);
  }
  if (fields.get('oauth_callback_confirmed') !== 'true') {
    return malformed('oauth_callback_confirmed=true (it may speak OAuth 1.0 without the "a" revision)', status);
  }
  return { token, tokenSecret, callbackConfirmed: true };
}
