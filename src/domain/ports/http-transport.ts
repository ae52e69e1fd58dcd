import { TwofoldError } from '../errors';

/**
 * Outbound HTTP, injected so that protocol code never depends on an HTTP library and tests can answer
 * with a fake. Every request carries its own timeout: a Jira that hangs must not hang an admin page or a job.
 */
export interface HttpTransport {
  /**
   * Sends one request. Resolves with any HTTP status (a 401 or a 503 is an answer, not an exception).
   * Never follows redirects: a signed request is valid for one URI only, and credentials must not travel to
   * another host. Rejects only with {@link UnreachableError} when no HTTP answer arrived.
   */
  send(request: HttpRequest): Promise<HttpResponse>;
}

export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface HttpRequest {
  method: HttpMethod;
  /** Absolute http(s) URL, query included. */
  url: string;
  headers: Readonly<Record<string, string>>;
  body?: string;
  /** Upper bound for the whole exchange, connection to last byte. */
  timeoutMs: number;
}

export interface HttpResponse {
  status: number;
  /** Header names in lower case; repeated headers joined with ", " (RFC 9110 §5.3). */
  headers: Readonly<Record<string, string>>;
  body: string;
}

/** Why no HTTP answer arrived. Stable values: the admin page words its hint from them. */
export type UnreachableReason = 'timeout' | 'dns' | 'connection_refused' | 'connection_reset' | 'tls' | 'too_large' | 'network';

/**
 * No HTTP answer: DNS failure, refused or reset connection, TLS failure, or timeout. `cause` is a
 * sanitised Error naming the low-level code only; the library's own error is dropped on purpose because it
 * carries the request configuration, Authorization header included, and errors end up in logs.
 */
export class UnreachableError extends TwofoldError {
  readonly reason: UnreachableReason;
  readonly host: string;

  constructor(reason: UnreachableReason, host: string, message: string, lowLevelCode?: string) {
    super('unreachable', message, {
      details: { reason, host },
      ...(lowLevelCode === undefined ? {} : { cause: new Error(lowLevelCode) }),
    });
    this.name = 'UnreachableError';
    this.reason = reason;
    this.host = host;
  }
}

/** Case-insensitive header lookup, for headers built by hand (responses already use lower case). */
export function headerValue(headers: Readonly<Record<string, string>>, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === wanted) return value;
  return undefined;
}
