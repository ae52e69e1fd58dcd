import { unexpectedStatus } from '../http/unexpected-status';
import { OAuth1Error } from './oauth1-error';
import { oauth1ErrorFromProblem, type ProblemContext } from './problem-advice';
import { readOAuthProblem } from './problem-reporting';

export interface ResponseContext extends ProblemContext {
  /** The URL that was called, to name its path in the sentence. */
  url?: string;
  /** The injected clock's time, to read a `Retry-After` given as an HTTP-date. */
  now?: Date;
}

/**
 * The error for an answer that is not a success: Jira's `oauth_problem` when it gave one, otherwise a code
 * from the status. Servers answer 400 for malformed and 401 for refused requests (RFC 5849 §3.2); anything
 * else means the request did not reach the OAuth layer as intended, and the sentence says where to look
 * (the same sentences as the REST client's, from {@link unexpectedStatus}).
 * @see RFC 5849 §3.2
 */
export function oauth1ErrorFromResponse(status: number, headers: Readonly<Record<string, string>>, body: string, context: ResponseContext = {}): OAuth1Error {
  const report = readOAuthProblem(headers, body);
  if (report !== undefined) return oauth1ErrorFromProblem(report, { ...context, status });
  const path = context.url === undefined ? 'the OAuth endpoint' : new URL(context.url).pathname;
  if (status === 401) {
    return new OAuth1Error(
      'unauthorized',
      `Jira answered 401 for ${path} without an OAuth problem: the request reached Jira without usable OAuth credentials. Check that no proxy in front of Jira strips the Authorization header.`,
      { status },
    );
  }
  const unexpected = unexpectedStatus(status, headers, path, context.now);
  return new OAuth1Error(unexpected.code, unexpected.message, {
    status,
    details: unexpected.details,
    ...(unexpected.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: unexpected.retryAfterSeconds }),
  });
}

/** A 200 answer without the fields the step needs: usually a login page or a proxy answered, not Jira. */
export function malformedAnswer(what: string, status: number): OAuth1Error {
  return new OAuth1Error('upstream_error', `Jira's answer lacked ${what}. Check that the base URL points at Jira itself and not at a login page or proxy.`, {
    status,
  });
}
