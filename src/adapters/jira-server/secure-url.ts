import { isIP } from 'node:net';
import { TwofoldError } from '../../domain/errors';

/**
 * True for hosts that never leave the machine: `localhost`, 127.0.0.0/8 and ::1. Plain http to these is
 * allowed for tests and a co-located Jira. Not `*.localhost`: RFC 6761 §6.3 only asks resolvers to treat
 * those as loopback, and a resolver (or /etc/hosts) that does not would send the credentials elsewhere
 * in clear. (The transport ignores HTTP(S)_PROXY, so loopback traffic does not travel to a proxy either.)
 */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/^\[|\]$/g, '');
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  if (isIP(host) === 6) return host === '::1' || host === '0:0:0:0:0:0:0:1';
  return false;
}

/**
 * Refuses a base URL that would send credentials in clear: Basic sends the password on every request
 * (RFC 7617 §4), and OAuth's token answers carry the token secret (RFC 5849 §2.1 requires TLS for them).
 * Throws `insecure_url`, the contract's code for the same rule on the admin API.
 */
export function assertSecureBaseUrl(baseUrl: string): URL {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new TwofoldError('invalid_request', 'The Jira base URL is not a valid URL.');
  }
  if (url.protocol === 'https:') return url;
  if (url.protocol === 'http:' && isLoopbackHost(url.hostname)) return url;
  throw new TwofoldError(
    'insecure_url',
    `Twofold sends Jira credentials over https only (plain http is allowed to this machine only), not to ${url.protocol}//${url.host}.`,
    { details: { host: url.host } },
  );
}
