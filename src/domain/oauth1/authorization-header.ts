import { percentDecode, percentEncode } from './percent-encoding';
import type { ProtocolParameters } from './types';

/**
 * Formats protocol parameters as `OAuth realm="…", name="value", …`, names and values encoded (§3.6),
 * in the order given. `realm` is optional and Jira ignores it, so it is left out unless asked for.
 * @see RFC 5849 §3.5.1
 */
export function formatAuthorizationHeader(parameters: ProtocolParameters, realm?: string): string {
  const parts: string[] = [];
  // realm is an RFC 2617 quoted-string, not an OAuth-encoded value; escape only what quoting requires.
  if (realm !== undefined) parts.push(`realm="${realm.replace(/[\\"]/g, (c) => `\\${c}`)}"`);
  for (const [name, value] of parameters) parts.push(`${percentEncode(name)}="${percentEncode(value)}"`);
  return `OAuth ${parts.join(', ')}`;
}

/** One challenge (`WWW-Authenticate`) or credentials (`Authorization`): a scheme and its auth-params. */
export interface AuthChallenge {
  scheme: string;
  params: Map<string, string>;
}

const TOKEN_CHAR = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/;

/**
 * Parses an `Authorization` or `WWW-Authenticate` value into challenges (a header may carry several,
 * comma-separated: `OAuth realm="x", oauth_problem="token_rejected", Basic realm="y"`). Values are returned
 * as received, unquoted but not percent-decoded. Lenient: a malformed tail is skipped, not thrown.
 * @see RFC 7235 §2.1, §4.1
 */
export function parseAuthChallenges(header: string): AuthChallenge[] {
  const challenges: AuthChallenge[] = [];
  let i = 0;
  const skip = (pattern: RegExp): void => {
    while (i < header.length && pattern.test(header.charAt(i))) i++;
  };
  const readToken = (): string => {
    const start = i;
    skip(TOKEN_CHAR);
    return header.slice(start, i);
  };
  while (i < header.length) {
    skip(/[\s,]/);
    const token = readToken();
    if (token === '') {
      i++; // not a token character: skip it rather than loop forever
      continue;
    }
    skip(/[ \t]/);
    if (header[i] !== '=') {
      challenges.push({ scheme: token, params: new Map() });
      continue;
    }
    i++;
    skip(/[ \t]/);
    const value = header[i] === '"' ? readQuoted() : readToken();
    const current = challenges[challenges.length - 1];
    // OAuth parameter names are case sensitive (RFC 5849 §3.1), so names are kept as sent; the first wins.
    if (current !== undefined && !current.params.has(token)) current.params.set(token, value);
  }
  return challenges;

  function readQuoted(): string {
    let value = '';
    i++; // opening quote
    while (i < header.length && header[i] !== '"') {
      if (header[i] === '\\' && i + 1 < header.length) i++;
      value += header[i];
      i++;
    }
    i++; // closing quote
    return value;
  }
}

/**
 * The parameters of the `OAuth` challenge or credentials in a header, percent-decoded (§3.5.1 encodes
 * them; Jira also encodes its realm). Undefined when the header has no OAuth scheme.
 * @see RFC 5849 §3.5.1
 */
export function parseOAuthParams(header: string): Map<string, string> | undefined {
  const challenge = parseAuthChallenges(header).find((c) => c.scheme.toLowerCase() === 'oauth');
  if (challenge === undefined) return undefined;
  return new Map(Array.from(challenge.params, ([name, value]) => [name, percentDecode(value)]));
}
