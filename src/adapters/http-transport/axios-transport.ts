import axios, { AxiosError, type AxiosInstance } from 'axios';
import { UnreachableError, type HttpRequest, type HttpResponse, type HttpTransport, type UnreachableReason } from '../../domain/ports/http-transport';

export interface AxiosTransportOptions {
  /** Answers larger than this are refused as `too_large`; Jira's pages of 50 users are a few kB. */
  maxResponseBytes?: number;
  userAgent?: string;
}

const DEFAULT_MAX_RESPONSE_BYTES = 10 * 1024 * 1024;

/**
 * The HttpTransport port on axios. What it guarantees, whatever axios's defaults:
 * - a timeout on every request, both axios's socket timeout and an overall deadline (the socket timeout
 *   alone lets a server that drips one byte a second hold the request forever);
 * - any HTTP status resolves (`validateStatus` accepts all): the caller decides what a 401 or 503 means;
 * - no redirects (`maxRedirects: 0`): an OAuth signature covers one URI, and Basic credentials must never
 *   follow a redirect to another host; a 3xx comes back as an answer and the caller names it;
 * - no proxy from the environment (`proxy: false`): axios would otherwise honour HTTP(S)_PROXY, and plain
 *   http (allowed to loopback only) would carry credentials in clear to the proxy;
 * - bodies stay raw strings (no JSON guessing), so signatures and parsers see what Jira sent;
 * - failures reject with UnreachableError only, whose cause does not carry axios's error (that one holds
 *   the request config, Authorization header included, and errors get logged).
 */
export class AxiosHttpTransport implements HttpTransport {
  private readonly client: AxiosInstance;

  constructor(options: AxiosTransportOptions = {}) {
    const maxBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
    this.client = axios.create({
      maxRedirects: 0,
      proxy: false,
      validateStatus: () => true,
      responseType: 'text',
      transformRequest: [(data: unknown) => data],
      transformResponse: [(data: unknown) => data],
      maxContentLength: maxBytes,
      maxBodyLength: maxBytes,
      headers: { 'User-Agent': options.userAgent ?? 'Twofold-Jira-Connector' },
    });
  }

  async send(request: HttpRequest): Promise<HttpResponse> {
    const url = new URL(request.url);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError(`not an http(s) URL: ${url.protocol}`);
    if (!(request.timeoutMs > 0)) throw new TypeError('timeoutMs must be a positive number of milliseconds');
    const deadline = AbortSignal.timeout(request.timeoutMs);
    try {
      const response = await this.client.request<string>({
        method: request.method,
        url: request.url,
        headers: { ...request.headers },
        data: request.body,
        timeout: request.timeoutMs,
        signal: deadline,
      });
      return { status: response.status, headers: plainHeaders(response.headers), body: response.data ?? '' };
    } catch (error) {
      throw toUnreachable(error, url.host, request.timeoutMs, deadline.aborted);
    }
  }
}

function plainHeaders(headers: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  const source = headers !== null && typeof headers === 'object' ? (headers as Record<string, unknown>) : {};
  for (const [name, value] of Object.entries(source)) {
    if (value === undefined || value === null) continue;
    out[name.toLowerCase()] = Array.isArray(value) ? value.map(headerText).join(', ') : headerText(value);
  }
  return out;
}

// EPROTO: the peer does not speak TLS (e.g. https:// to a plain-http port).
const TLS_CODE = /^(EPROTO$|ERR_TLS_|ERR_SSL_|CERT_|DEPTH_ZERO_|SELF_SIGNED_|UNABLE_TO_(GET|VERIFY)_)/;

function toUnreachable(error: unknown, host: string, timeoutMs: number, deadlinePassed: boolean): UnreachableError {
  const code = lowLevelCode(error);
  const tooLarge = error instanceof Error && error.message.includes('maxContentLength');
  const reason = tooLarge ? 'too_large' : reasonOf(code, deadlinePassed);
  const messages: Record<UnreachableReason, string> = {
    timeout: `Jira at ${host} did not answer within ${timeoutMs} ms.`,
    dns: `The host name ${host} could not be resolved; check the base URL.`,
    connection_refused: `Nothing accepts connections at ${host}; check the base URL's host and port, and that Jira is running.`,
    connection_reset: `The connection to ${host} was closed before Jira answered; a proxy or firewall may be in the way.`,
    tls: `The TLS connection to ${host} failed (${code ?? 'certificate'}); check Jira's certificate chain and host name.`,
    too_large: `The answer from ${host} was larger than allowed.`,
    network: `The request to ${host} failed before an answer arrived (${code ?? 'network error'}).`,
  };
  return new UnreachableError(reason, host, messages[reason], code);
}

function reasonOf(code: string | undefined, deadlinePassed: boolean): UnreachableReason {
  if (deadlinePassed || code === 'ECONNABORTED' || code === 'ETIMEDOUT' || code === 'ESOCKETTIMEDOUT') return 'timeout';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'dns';
  if (code === 'ECONNREFUSED') return 'connection_refused';
  if (code === 'ECONNRESET' || code === 'EPIPE' || code === 'ERR_STREAM_PREMATURE_CLOSE') return 'connection_reset';
  if (code !== undefined && TLS_CODE.test(code)) return 'tls';
  return 'network';
}

/** The most specific code: the socket's (ECONNREFUSED, CERT_…) rather than axios's wrapper code. */
function lowLevelCode(error: unknown): string | undefined {
  if (!(error instanceof AxiosError)) return (error as { code?: string } | null)?.code;
  const cause = (error as { cause?: { code?: unknown } }).cause;
  if (cause !== undefined && typeof cause.code === 'string') return cause.code;
  return error.code;
}

/** A header value as text: axios gives strings, numbers and booleans; anything else is not a header value. */
function headerText(value: unknown): string {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? String(value) : '';
}
