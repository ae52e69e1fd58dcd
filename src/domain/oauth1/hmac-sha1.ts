import { createHmac } from 'node:crypto';
import { percentEncode } from './percent-encoding';

/**
 * HMAC-SHA1 over the base string, keyed with `encode(client secret)&encode(token secret)`; the `&` stays
 * even when the token secret is empty (as in a request-token call). Jira does not use it (it accepts
 * RSA-SHA1 only); the RFC's examples do, and they are our test vectors.
 * @see RFC 5849 §3.4.2
 */
export function signHmacSha1(baseString: string, clientSecret: string, tokenSecret: string): string {
  const key = `${percentEncode(clientSecret)}&${percentEncode(tokenSecret)}`;
  return createHmac('sha1', key).update(baseString, 'utf8').digest('base64');
}
