import type { Clock } from '../ports/clock';
import type { Random } from '../ports/random';
import type { OAuth1Endpoints } from './jira-endpoints';
import { signRequest } from './making-requests';
import type { OAuth1Error } from './oauth1-error';
import { parseFormEncoded } from './percent-encoding';
import { malformedAnswer as malformed, oauth1ErrorFromResponse, type ResponseContext } from './unsuccessful-response';
import type { ClientCredentials, OAuth1Request, TokenCredentials } from './types';

export interface AccessTokenInput {
  endpoints: OAuth1Endpoints;
  client: ClientCredentials;
  /** The temporary credentials from step 1: the token goes in the request, the secret into the HMAC key. */
  requestToken: TokenCredentials;
  /** From the callback's `oauth_verifier`, or typed by the admin in the `oob` case. */
  verifier: string;
  clock: Clock;
  random: Random;
}

/**
 * Token credentials and when they end. Jira also sends the OAuth Session extension's
 * `oauth_session_handle` and `oauth_authorization_expires_in`; Twofold does not renew tokens with them
 * (it asks the admin to reauthorize), so they are not kept: the session handle is a secret like the token
 * secret, and what is not read cannot leak.
 */
export interface AccessTokenResult extends TokenCredentials {
  /** From `oauth_expires_in` (Jira's default is 157680000 s, 5 years); null when the server did not say. */
  tokenExpiresAt: Date | null;
}

/**
 * Step 3: `POST` to the access-token endpoint with the request token and `oauth_verifier`, signed with
 * the client credentials and the request token's secret.
 * @see RFC 5849 §2.3
 */
export function buildAccessTokenRequest(input: AccessTokenInput): OAuth1Request {
  const verifier = input.verifier.trim(); // pasted by hand in the oob case
  if (verifier === '') throw new TypeError('oauth_verifier is required');
  return signRequest(
    { method: 'POST', url: input.endpoints.accessTokenUrl, headers: { Accept: 'application/x-www-form-urlencoded' } },
    {
      client: input.client,
      token: input.requestToken,
      extraParameters: [['oauth_verifier', verifier]],
      clock: input.clock,
      random: input.random,
    },
  );
}

/**
 * Step 3's answer: `oauth_token` and `oauth_token_secret`, and the token's lifetime Jira adds. The expiry
 * instant is computed from the injected clock, so tests can freeze it.
 * @see RFC 5849 §2.3; OAuth Session 1.0 extension (oauth_expires_in, oauth_session_handle)
 */
export function parseAccessTokenResponse(
  status: number,
  headers: Readonly<Record<string, string>>,
  body: string,
  options: ResponseContext & { clock: Clock },
): AccessTokenResult | OAuth1Error {
  const { clock, ...context } = options;
  if (status !== 200) return oauth1ErrorFromResponse(status, headers, body, { ...context, now: clock.now() });
  const fields = new Map(parseFormEncoded(body.trim()));
  const token = fields.get('oauth_token');
  const tokenSecret = fields.get('oauth_token_secret');
  if (token === undefined || token === '' || tokenSecret === undefined) {
    return malformed('the access token (oauth_token, oauth_token_secret)', status);
  }
  const expiresIn = seconds(fields.get('oauth_expires_in'));
  return { token, tokenSecret, tokenExpiresAt: expiresIn === null ? null : new Date(clock.now().getTime() + expiresIn * 1000) };
}

function seconds(value: string | undefined): number | null {
  return value !== undefined && /^\d{1,12}$/.test(value) ? Number(value) : null;
}
