import { sign } from 'node:crypto';

/**
 * RSASSA-PKCS1-v1_5 with SHA-1 over the base string, with the client's private key. The token secret plays
 * no part: with RSA-SHA1 the signature proves the consumer's key, and the access token proves the grant.
 * Accepts PKCS#1 (`BEGIN RSA PRIVATE KEY`) and PKCS#8 (`BEGIN PRIVATE KEY`) PEM, as node-forge and
 * OpenSSL write either.
 * @see RFC 5849 §3.4.3
 */
export function signRsaSha1(baseString: string, privateKeyPem: string): string {
  return sign('sha1', Buffer.from(baseString, 'utf8'), privateKeyPem).toString('base64');
}
