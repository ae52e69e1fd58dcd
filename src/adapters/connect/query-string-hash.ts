import * as jwt from 'atlassian-jwt';

export const CONTEXT_QSH = 'context-qsh';

export interface CanonicalRequestInput {
  method: string;
  /** Path and query as received, e.g. `/pages/policy?lic=none&jwt=…` (the `jwt` parameter is ignored). */
  pathAndQuery: string;
  /** The base URL the path is relative to; its path (a context path such as `/jira`) is dropped. */
  baseUrl: string;
}

/**
 * Atlassian's query string hash: SHA-256 of `METHOD&canonical-uri&canonical-query`, which binds a
 * JWT to one request. Computed with Atlassian's own atlassian-jwt library; the published cases are
 * kept in test/vectors/atlassian-qsh.json.
 * @see https://developer.atlassian.com/cloud/jira/platform/understanding-jwt-for-connect-apps/#qsh
 */
export function queryStringHash(input: CanonicalRequestInput): string {
  return jwt.createQueryStringHash(toJwtRequest(input), false, input.baseUrl);
}

export function canonicalRequest(input: CanonicalRequestInput): string {
  return jwt.createCanonicalRequest(toJwtRequest(input), false, input.baseUrl);
}

function toJwtRequest({ method, pathAndQuery }: CanonicalRequestInput): jwt.Request {
  return jwt.fromMethodAndUrl(method, pathAndQuery);
}
