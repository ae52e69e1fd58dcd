import { headerValue } from '../ports/http-transport';
import { parseFormEncoded } from './percent-encoding';
import type { ProtocolParameters } from './types';

export interface ParameterSources {
  /** The request URL; its query is a parameter source. */
  url: string | URL;
  /** Request headers; only Content-Type is read, to decide whether the body is a source. */
  headers?: Readonly<Record<string, string>>;
  body?: string;
  /** The protocol parameters sent in the Authorization header (`realm` and `oauth_signature` are ignored). */
  protocolParameters: ProtocolParameters;
}

const FORM_MEDIA_TYPE = 'application/x-www-form-urlencoded';

/**
 * Collects the decoded parameters that the signature covers: the query, the protocol parameters, and the
 * body only when it is a single-part form (never JSON, which Jira's REST calls send).
 *
 * A protocol parameter (`oauth_*`) may appear once per request (§3.1 step 2, §3.5 "one and only one"
 * location). Putting `oauth_callback` both in the URL and in the header would make it enter the base string
 * twice, and the server, which rebuilds the base string from what it received, would reject the signature
 * with nothing to tell why; so that is refused here as a programming error. Other names may repeat (the
 * RFC's own example has `a3` in the query and in the body).
 * @see RFC 5849 §3.4.1.3.1
 */
export function collectRequestParameters(sources: ParameterSources): Array<[string, string]> {
  const url = typeof sources.url === 'string' ? new URL(sources.url) : sources.url;
  const collected: Array<[string, string, string]> = [];
  for (const [name, value] of parseFormEncoded(url.search.slice(1))) collected.push([name, value, 'query']);
  for (const [name, value] of sources.protocolParameters) collected.push([name, value, 'Authorization header']);
  if (sources.body !== undefined && isFormEncoded(sources.headers)) {
    for (const [name, value] of parseFormEncoded(sources.body)) collected.push([name, value, 'body']);
  }

  const seen = new Map<string, string>();
  const parameters: Array<[string, string]> = [];
  for (const [name, value, source] of collected) {
    // realm is not a parameter (§3.4.1.3.1); oauth_signature cannot sign itself.
    if (name === 'oauth_signature' || (name === 'realm' && source === 'Authorization header')) continue;
    if (name.startsWith('oauth_')) {
      const earlier = seen.get(name);
      if (earlier !== undefined) {
        throw new TypeError(`${name} appears twice (${earlier} and ${source}); a protocol parameter is sent once`);
      }
      seen.set(name, source);
    }
    parameters.push([name, value]);
  }
  return parameters;
}

function isFormEncoded(headers: Readonly<Record<string, string>> | undefined): boolean {
  const contentType = headers === undefined ? undefined : headerValue(headers, 'content-type');
  if (contentType === undefined) return false;
  return (contentType.split(';')[0] ?? '').trim().toLowerCase() === FORM_MEDIA_TYPE;
}
