/**
 * The OAuth 1.0a service-provider half of the fake Jira Server, written independently of
 * src/domain/oauth1 (its own base string, encoding and header parsing, on URLSearchParams and
 * encodeURIComponent), so that a mistake in our signing code cannot hide behind the same mistake here.
 */
import { verify } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

export interface OAuthProblem {
  status: number;
  problem: string;
  advice?: string;
  /** Extra fields for the challenge and the body (oauth_acceptable_timestamps, oauth_signature_base_string…). */
  extra?: Record<string, string>;
}

export interface ReceivedOAuthRequest {
  params: Map<string, string>;
  baseString: string;
}

/** RFC 3986 unreserved characters stay; everything else is %XX (encodeURIComponent misses !'()*). */
export function encode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** Parses `OAuth a="b", c="d"`; a parameter named twice makes the whole header invalid (null). */
export function parseOAuthHeader(header: string | undefined): Map<string, string> | null {
  if (header === undefined || !/^OAuth\s/i.test(header)) return null;
  const params = new Map<string, string>();
  for (const match of header.slice(6).matchAll(/([A-Za-z0-9_]+)\s*=\s*"([^"]*)"/g)) {
    const name = match[1]!;
    if (params.has(name)) return null;
    params.set(name, decodeURIComponent(match[2]!));
  }
  return params;
}

/**
 * Rebuilds the base string the way Jira does: from the base URL it believes it has (its "Base URL"
 * setting, which `uriBase` stands for) plus the path below the context path, the query, a form body, and
 * the header's protocol parameters.
 */
export function rebuildBaseString(
  method: string,
  uriBase: string,
  pathBelowContext: string,
  query: string,
  headers: IncomingHttpHeaders,
  body: string,
  oauthParams: Map<string, string>,
): string | { duplicate: string } {
  const pairs: Array<[string, string]> = [];
  for (const [name, value] of new URLSearchParams(query)) pairs.push([name, value]);
  if ((headers['content-type'] ?? '').toLowerCase().startsWith('application/x-www-form-urlencoded')) {
    for (const [name, value] of new URLSearchParams(body)) pairs.push([name, value]);
  }
  for (const [name] of pairs) if (name.startsWith('oauth_') && oauthParams.has(name)) return { duplicate: name };
  for (const [name, value] of oauthParams) if (name !== 'oauth_signature' && name !== 'realm') pairs.push([name, value]);
  const normalized = pairs
    .map(([name, value]) => [encode(name), encode(value)] as const)
    .sort((a, b) => (a[0] === b[0] ? (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0) : a[0] < b[0] ? -1 : 1))
    .map(([name, value]) => `${name}=${value}`)
    .join('&');
  return [method.toUpperCase(), encode(`${uriBase}${pathBelowContext}`), encode(normalized)].join('&');
}

export function verifySignature(baseString: string, signature: string, publicKeyPem: string): boolean {
  try {
    return verify('sha1', Buffer.from(baseString), publicKeyPem, Buffer.from(signature, 'base64'));
  } catch {
    return false;
  }
}

/** Jira's way of saying no: the OAuth challenge in WWW-Authenticate and the same fields as a form body. */
export function problemResponse(realm: string, problem: OAuthProblem): { status: number; headers: Record<string, string>; body: string } {
  const fields: Array<[string, string]> = [['oauth_problem', problem.problem]];
  if (problem.advice !== undefined) fields.push(['oauth_problem_advice', problem.advice]);
  for (const [name, value] of Object.entries(problem.extra ?? {})) fields.push([name, value]);
  const challenge = [`OAuth realm="${encode(realm)}"`, ...fields.map(([name, value]) => `${name}="${encode(value)}"`)].join(', ');
  return {
    status: problem.status,
    headers: { 'WWW-Authenticate': challenge, 'Content-Type': 'text/plain;charset=UTF-8' },
    body: fields.map(([name, value]) => `${encode(name)}=${encode(value)}`).join('&'),
  };
}
