import { TwofoldError } from '../../domain/errors';
import { unexpectedStatus } from '../../domain/http/unexpected-status';
import { oauth1ErrorFromResponse } from '../../domain/oauth1';
import type { HttpResponse } from '../../domain/ports/http-transport';
import type { CredentialsRejection, JiraServerCredentials } from '../../domain/ports/jira-server-client';

export interface FailureContext {
  authType: JiraServerCredentials['type'];
  method: string;
  url: string;
  /** The base string URI that was signed (OAuth), to compare with Jira's on `signature_invalid`. */
  signedUri?: string;
  consumerKey?: string;
  /** The injected clock's time, to read a `Retry-After` given as an HTTP-date. */
  now: Date;
}

export type ClassifiedFailure = { kind: 'credentials_rejected'; error: TwofoldError; rejection: CredentialsRejection } | { kind: 'error'; error: TwofoldError };

/** Problems after which the access token is dead: only a new authorization helps. */
const DEAD_TOKEN_PROBLEMS = new Set(['token_rejected', 'token_revoked', 'token_expired']);

/**
 * Names a failed REST answer, and says whether it means the credentials themselves were refused. That is
 * the case for a dead OAuth token, a Basic 401, and Jira's CAPTCHA demand (a 403 with
 * `X-Authentication-Denied-Reason: CAPTCHA_CHALLENGE`, sent after a few failed logins: from then on
 * every Basic request fails until someone logs in through the browser).
 *
 * Every failure here is Jira's answer, not Twofold's: each code maps to 502 at the edge, never to a 403
 * or 404 of Twofold's own (which an admin's page reads as `not_admin`, `verification_required` or a
 * missing route). Another status is `upstream_error` with `details.status`.
 */
export function classifyFailure(response: HttpResponse, context: FailureContext): ClassifiedFailure {
  const { status, headers, body } = response;
  const path = new URL(context.url).pathname;
  if (context.authType === 'oauth1' && (status === 400 || status === 401 || status === 403)) {
    const error = oauth1ErrorFromResponse(status, headers, body, context);
    if (error.problem !== undefined && DEAD_TOKEN_PROBLEMS.has(error.problem)) {
      const code = error.code === 'access_token_expired' ? 'access_token_expired' : 'token_rejected';
      return rejected(error, { code, problem: error.problem, status, message: error.message });
    }
    if (error.problem !== undefined || status === 401) return { kind: 'error', error };
  }
  if (context.authType === 'basic' && status === 401) {
    const message =
      "Jira refused the user name and password. Twofold stopped using them, because Jira locks the account or demands a CAPTCHA after repeated failures: save the user's correct password in Twofold, then test the connection. (A Data Center personal access token does not work here: Jira takes those as a Bearer token, not with Basic authentication.)";
    return rejected(new TwofoldError('unauthorized', message, { details: { status } }), { code: 'unauthorized', problem: null, status, message });
  }
  if (context.authType === 'basic' && status === 403 && /CAPTCHA/i.test(headers['x-authentication-denied-reason'] ?? '')) {
    const message =
      'Jira demands a CAPTCHA for this user after failed logins and refuses Basic auth until then: log in to Jira once in a browser as this user, then save the password again in Twofold and test the connection.';
    const error = new TwofoldError('unauthorized', message, { details: { status, problem: 'captcha_required' } });
    return rejected(error, { code: 'unauthorized', problem: 'captcha_required', status, message });
  }
  if (status === 403) {
    const message =
      `Jira accepted the credentials but answered 403 Forbidden to ${context.method} ${path}: the Jira user Twofold acts as lacks a permission. ` +
      "In Jira, give that user application access (it must be able to log in) and, for reading other users' properties and group members, Jira administrator rights. " +
      'If Jira allows it already, a proxy in front of Jira refused the call.';
    return { kind: 'error', error: new TwofoldError('upstream_error', message, { details: { status } }) };
  }
  return { kind: 'error', error: statusError(response, path, context.now) };
}

function rejected(error: TwofoldError, rejection: CredentialsRejection): ClassifiedFailure {
  return { kind: 'credentials_rejected', error, rejection };
}

/** Any other status, in the words the OAuth steps use too (src/domain/http/unexpected-status.ts). */
function statusError({ status, headers }: HttpResponse, path: string, now: Date): TwofoldError {
  const unexpected = unexpectedStatus(status, headers, path, now);
  return new TwofoldError(unexpected.code, unexpected.message, {
    details: unexpected.details,
    ...(unexpected.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: unexpected.retryAfterSeconds }),
  });
}
