import { TwofoldError } from '../errors';

/** The three endpoints of the redirection-based flow (RFC 5849 §2). */
export interface OAuth1Endpoints {
  requestTokenUrl: string;
  authorizeUrl: string;
  accessTokenUrl: string;
}

/**
 * Jira Server/Data Center's endpoints, under its base URL (see {@link normalizeJiraBaseUrl}): Jira's
 * servlets live under the context path, and a trailing slash would give paths a `//`, which Jira would
 * sign as a different URI.
 * @see RFC 5849 §2
 */
export function jiraServerEndpoints(baseUrl: string): OAuth1Endpoints {
  const base = `${normalizeJiraBaseUrl(baseUrl)}/plugins/servlet/oauth`;
  return {
    requestTokenUrl: `${base}/request-token`,
    authorizeUrl: `${base}/authorize`,
    accessTokenUrl: `${base}/access-token`,
  };
}

/**
 * The one reading of a Jira base URL, for the settings, the OAuth endpoints and the REST client alike: as
 * Jira's own "Base URL" setting reads, scheme, host, port and context path (`https://jira.example.com/jira`),
 * with no trailing slash, user name, query or fragment. The scheme and host are lower-cased and a default
 * port dropped by URL parsing; the path keeps its case, as Jira's context path is case sensitive.
 * Throws `invalid_request` naming the `baseUrl` field. Whether plain http is allowed is another rule
 * (the adapter's `assertSecureBaseUrl`).
 */
export function normalizeJiraBaseUrl(baseUrl: string): string {
  let url: URL;
  try {
    url = new URL(baseUrl.trim());
  } catch {
    throw invalidBaseUrl('is not a URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw invalidBaseUrl('must start with https://');
  if (url.username !== '' || url.password !== '') throw invalidBaseUrl('must not hold a user name or password (use Basic authentication instead)');
  if (url.search !== '' || url.hash !== '') throw invalidBaseUrl('must not have a query (?…) or fragment (#…)');
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

function invalidBaseUrl(problem: string): TwofoldError {
  return new TwofoldError('invalid_request', `The Jira base URL ${problem}.`, { details: { fields: [{ field: 'baseUrl', problem }] } });
}
