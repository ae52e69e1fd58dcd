/**
 * The base string URI: scheme, authority and path of the request, without query or fragment.
 *
 * It is built from the WHATWG URL parse of the request URL on purpose: Node's HTTP clients (axios included)
 * send `pathname + search` of that same parse, so the path signed here is byte for byte the path Jira
 * receives. WHATWG parsing already lower-cases scheme and host and drops a default port; the checks below
 * state the RFC's rules anyway so that a change of parser cannot silently break them.
 *
 * The path is kept as sent, including a context path such as `/jira` and escapes such as `%20`: Jira
 * rebuilds the URI from its configured base URL plus the raw request path, so the context path matters.
 * @see RFC 5849 §3.4.1.2
 */
export function baseStringUri(requestUrl: string | URL): string {
  const url = typeof requestUrl === 'string' ? new URL(requestUrl) : requestUrl;
  const scheme = url.protocol.slice(0, -1).toLowerCase();
  if (scheme !== 'http' && scheme !== 'https') {
    throw new TypeError(`OAuth 1.0 signs http and https URIs only, not ${scheme}:`);
  }
  const host = url.hostname.toLowerCase();
  const defaultPort = scheme === 'http' ? '80' : '443';
  // Userinfo is not part of the Host header, so it is not part of the base string either (§3.4.1.2 item 2).
  const port = url.port === '' || url.port === defaultPort ? '' : `:${url.port}`;
  const path = url.pathname === '' ? '/' : url.pathname;
  return `${scheme}://${host}${port}${path}`;
}
