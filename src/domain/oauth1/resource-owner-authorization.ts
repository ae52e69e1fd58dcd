import { timingSafeEqual } from 'node:crypto';
import type { OAuth1Endpoints } from './jira-endpoints';
import { OAuth1Error } from './oauth1-error';
import { oauth1ErrorFromProblem } from './problem-advice';

/**
 * Step 2: the address to send the admin's browser to, with the request token as `oauth_token`.
 * @see RFC 5849 §2.2
 */
export function buildAuthorizeUrl(endpoints: OAuth1Endpoints, requestToken: string): string {
  const url = new URL(endpoints.authorizeUrl);
  url.searchParams.set('oauth_token', requestToken);
  return url.toString();
}

/** What the callback carries when the user allowed access. */
export interface AuthorizationCallback {
  token: string;
  verifier: string;
}

/**
 * Step 2's answer, the query of the callback request. Refuses a callback whose `oauth_token` is not the
 * request token this authorization started with (the caller binds that token to the tenant and the admin
 * with its own one-time state), and turns a denial into `permission_denied`.
 * @see RFC 5849 §2.2
 */
export function parseAuthorizationCallback(
  query: URLSearchParams | Readonly<Record<string, string | undefined>>,
  expectedToken: string,
): AuthorizationCallback | OAuth1Error {
  const get = (name: string): string | undefined => (query instanceof URLSearchParams ? (query.get(name) ?? undefined) : query[name]);
  const problem = get('oauth_problem');
  // Servers that do not report a problem signal a denial with the verifier "denied" instead.
  if (problem !== undefined || get('oauth_verifier') === 'denied') {
    return oauth1ErrorFromProblem({ problem: problem ?? 'permission_denied' });
  }
  const token = get('oauth_token');
  if (token === undefined || !sameToken(token, expectedToken)) {
    return new OAuth1Error(
      'authorization_state_invalid',
      'This callback does not belong to the authorization Twofold started (its request token differs). Start the authorization again.',
    );
  }
  // Trimmed here, once: a verifier of blanks is no verifier (and must not reach step 3 as one).
  const verifier = get('oauth_verifier')?.trim();
  if (verifier === undefined || verifier === '') {
    return new OAuth1Error('authorization_state_invalid', 'Jira sent the browser back without a verifier (oauth_verifier). Start the authorization again.');
  }
  return { token, verifier };
}

function sameToken(received: string, expected: string): boolean {
  const a = Buffer.from(received, 'utf8');
  const b = Buffer.from(expected, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}
