import { headerValue } from '../ports/http-transport';
import { retryAfterSeconds } from './retry-after';

/** What to say about an answer that is neither a success nor a refusal the caller understands. */
export interface UnexpectedStatus {
  code: 'upstream_error';
  message: string;
  /** `status`, and `location` for a redirect. */
  details: { status: number; location?: string };
  retryAfterSeconds?: number;
}

/**
 * Jira answered `status` for `path` and the caller has nothing more specific to say: a redirect (never
 * followed: a signed request is valid for one address only, and credentials must not travel to another
 * host), a 404 (usually a base URL without its context path), or any other status, with the
 * `Retry-After` Jira gave. Shared by the OAuth steps and the REST client, so that both say the same.
 * `now` reads a Retry-After given as an HTTP-date; without it only delay-seconds are read.
 * @see RFC 9110 §15.4 (redirects), §10.2.3 (Retry-After)
 */
export function unexpectedStatus(status: number, headers: Readonly<Record<string, string>>, path: string, now?: Date): UnexpectedStatus {
  if (status >= 300 && status < 400) {
    const location = headerValue(headers, 'location');
    return {
      code: 'upstream_error',
      message:
        `Jira redirected ${path}${location === undefined ? '' : ` to ${location}`}. Set the connector's base URL to the address Jira answers on directly: ` +
        'Twofold does not follow redirects, because a signed request is valid for one address only and credentials must not travel elsewhere. ' +
        'A redirect to a login or SSO page means Jira did not accept the credentials for REST.',
      details: { status, ...(location === undefined ? {} : { location }) },
    };
  }
  if (status === 404) {
    return {
      code: 'upstream_error',
      message: `Jira answered 404 Not Found for ${path}: check the base URL, including a context path such as /jira.`,
      details: { status },
    };
  }
  const retryAfter = retryAfterSeconds(headerValue(headers, 'retry-after'), now);
  return {
    code: 'upstream_error',
    message: `Jira answered ${status} for ${path}.${retryAfter === undefined ? '' : ` It asks to try again in ${retryAfter} s.`}`,
    details: { status },
    ...(retryAfter === undefined ? {} : { retryAfterSeconds: retryAfter }),
  };
}
