import type { Clock } from '../../domain/ports/clock';
import type { Random } from '../../domain/ports/random';
import { signRequest, type OAuth1Request } from '../../domain/oauth1';
import type { JiraServerCredentials } from '../../domain/ports/jira-server-client';

/**
 * Adds credentials to one attempt of a request. The credentials live in this closure only, not on any
 * object that a logger or `util.inspect` could print.
 */
export interface RequestAuthenticator {
  readonly type: JiraServerCredentials['type'];
  authenticate(request: OAuth1Request): OAuth1Request;
}

export function authenticatorFor(credentials: JiraServerCredentials, clock: Clock, random: Random): RequestAuthenticator {
  return credentials.type === 'oauth1' ? oauth1Authenticator(credentials, clock, random) : basicAuthenticator(credentials);
}

/**
 * OAuth 1.0a RSA-SHA1 with the access token: signed anew on every attempt (fresh nonce and timestamp),
 * since Jira refuses a replayed nonce.
 * @see RFC 5849 §3.1
 */
function oauth1Authenticator(credentials: Extract<JiraServerCredentials, { type: 'oauth1' }>, clock: Clock, random: Random): RequestAuthenticator {
  const client = { consumerKey: credentials.consumerKey, signatureMethod: 'RSA-SHA1', privateKeyPem: credentials.privateKeyPem } as const;
  const token = { token: credentials.accessToken, tokenSecret: credentials.tokenSecret };
  return { type: 'oauth1', authenticate: (request) => signRequest(request, { client, token, clock, random }) };
}

/**
 * Basic: `username:secret` in UTF-8, base64 (the secret is a password or a personal access token).
 * @see RFC 7617 §2, §2.1 (charset UTF-8)
 */
function basicAuthenticator(credentials: Extract<JiraServerCredentials, { type: 'basic' }>): RequestAuthenticator {
  if (credentials.username.includes(':')) throw new TypeError('a Basic-auth username cannot contain ":" (RFC 7617 §2)');
  const header = `Basic ${Buffer.from(`${credentials.username}:${credentials.secret}`, 'utf8').toString('base64')}`;
  return {
    type: 'basic',
    authenticate: (request) => ({ ...request, headers: { ...request.headers, Authorization: header } }),
  };
}
