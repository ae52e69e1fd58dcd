import type { HttpRequest } from '../ports/http-transport';

/**
 * A request as the protocol steps build it: everything the transport needs except the timeout,
 * which the caller that sends it chooses.
 */
export type OAuth1Request = Omit<HttpRequest, 'timeoutMs'>;

/**
 * The client credentials (RFC 5849 §1.1; "consumer" in Jira's Application Link). Jira accepts RSA-SHA1 only;
 * HMAC-SHA1 is here for the RFC's own examples and for servers that use it.
 * @see RFC 5849 §3.4.2, §3.4.3
 */
export type ClientCredentials =
  { consumerKey: string; signatureMethod: 'RSA-SHA1'; privateKeyPem: string } | { consumerKey: string; signatureMethod: 'HMAC-SHA1'; consumerSecret: string };

/** Temporary credentials (a request token) or token credentials (an access token) with their secret. */
export interface TokenCredentials {
  token: string;
  tokenSecret: string;
}

/** Protocol parameters in the order they are sent; names start with `oauth_` (RFC 5849 §3.1). */
export type ProtocolParameters = ReadonlyArray<readonly [string, string]>;
