import type { Clock } from '../ports/clock';
import type { Random } from '../ports/random';
import { formatAuthorizationHeader } from './authorization-header';
import { signHmacSha1 } from './hmac-sha1';
import { generateNonce, generateTimestamp } from './nonce-and-timestamp';
import { signRsaSha1 } from './rsa-sha1';
import { signatureBaseString } from './signature-base-string';
import type { ClientCredentials, OAuth1Request, ProtocolParameters, TokenCredentials } from './types';

export interface SignOptions {
  client: ClientCredentials;
  /** Absent for the request-token call, which is signed with the client credentials only (§2.1). */
  token?: TokenCredentials;
  /** Step-specific protocol parameters: `oauth_callback` (§2.1) or `oauth_verifier` (§2.3). */
  extraParameters?: ProtocolParameters;
  clock: Clock;
  random: Random;
  realm?: string;
}

const RESERVED = new Set(['oauth_consumer_key', 'oauth_token', 'oauth_signature_method', 'oauth_timestamp', 'oauth_nonce', 'oauth_version', 'oauth_signature']);

/**
 * The protocol parameters of one request, before the signature: a fresh nonce and the clock's timestamp.
 * `oauth_version="1.0"` is sent although optional, because some servers (older Jira among them) expect it.
 * @see RFC 5849 §3.1 step 1
 */
export function createProtocolParameters(options: SignOptions): Array<[string, string]> {
  const parameters: Array<[string, string]> = [['oauth_consumer_key', options.client.consumerKey]];
  if (options.token !== undefined) parameters.push(['oauth_token', options.token.token]);
  parameters.push(
    ['oauth_signature_method', options.client.signatureMethod],
    ['oauth_timestamp', generateTimestamp(options.clock)],
    ['oauth_nonce', generateNonce(options.random)],
    ['oauth_version', '1.0'],
  );
  for (const [name, value] of options.extraParameters ?? []) {
    if (!name.startsWith('oauth_') || RESERVED.has(name)) throw new TypeError(`${name} is not an extra protocol parameter`);
    parameters.push([name, value]);
  }
  return parameters;
}

/**
 * The signature of a request whose protocol parameters are already chosen (tests pass the RFC's fixed
 * nonce and timestamp here). Returns the base string too: a server's `signature_invalid` answer can be
 * compared with it.
 * @see RFC 5849 §3.4
 */
export function computeSignature(
  request: OAuth1Request,
  protocolParameters: ProtocolParameters,
  client: ClientCredentials,
  tokenSecret: string,
): { signature: string; baseString: string } {
  const baseString = signatureBaseString({ ...request, protocolParameters });
  const signature =
    client.signatureMethod === 'RSA-SHA1' ? signRsaSha1(baseString, client.privateKeyPem) : signHmacSha1(baseString, client.consumerSecret, tokenSecret);
  return { signature, baseString };
}

/**
 * Signs a request: protocol parameters, signature, and the Authorization header carrying both (the header
 * is the transmission method the RFC prefers and the one Jira reads; the URL and body stay as they are).
 * Call it once per attempt: a retried request needs a new nonce and timestamp.
 * @see RFC 5849 §3.1, §3.5.1
 */
export function signRequest(request: OAuth1Request, options: SignOptions): OAuth1Request {
  const protocolParameters = createProtocolParameters(options);
  const { signature } = computeSignature(request, protocolParameters, options.client, options.token?.tokenSecret ?? '');
  const authorization = formatAuthorizationHeader([...protocolParameters, ['oauth_signature', signature]], options.realm);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) if (name.toLowerCase() !== 'authorization') headers[name] = value;
  headers['Authorization'] = authorization;
  return { ...request, headers };
}
