import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Principal } from '../domain/tenancy/principal';
import { parseJsonBody } from './json-body';
import { SESSION_HEADER } from './session-credential';

/** What a route of the lane is given: the verified caller, this browser's session credential, the JSON body. */
export interface LaneCall {
  principal: Principal;
  sessionCredential: string | null;
  /** The parsed JSON body (a `body` route), else undefined. */
  body: unknown;
}

/** A route answered before Express: its answer is the `200` JSON of the Express route of the same path. */
export interface LaneRoute {
  method: 'GET' | 'POST';
  path: string;
  /** Reads a JSON body (`POST`); a route without one takes only requests that carry none. */
  body: boolean;
  answer(call: LaneCall): Promise<unknown>;
}

export interface AnsweredRequest {
  requestId: string;
  method: string;
  url: string;
  remoteAddress: string | undefined;
  statusCode: number;
  /** `performance.now()` when the request came. */
  started: number;
}

export interface ApiLaneDeps {
  /** The Connect JWT check of `/api/v1/**` (authenticateApi: a context token or one with this request's qsh). */
  authenticate(token: string, request: { method: string; pathAndQuery: string }): Promise<Principal>;
  /** The headers every answer of the app carries (security-headers.ts). */
  headers: ReadonlyArray<readonly [string, string]>;
  /** Logs the answer as the app's request log logs it (request-log.ts `logRequest`). */
  logAnswered(request: AnsweredRequest): void;
  /** The app's error answer of an API call, logged as the error middleware logs it (error-middleware.ts `apiErrorAnswer`). */
  answerError(
    error: unknown,
    request: { requestId: string; method: string; url: string },
  ): { status: number; retryAfterSeconds: number | undefined; body: unknown };
}

/** `express.json({ limit: '64kb' })` in app.ts: a larger body is Express's to refuse. */
const BODY_LIMIT_BYTES = 64 * 1024;
/** The one body type the lane reads; any other (a charset but UTF-8, `application/*+json`) is Express's. */
const JSON_TYPE = /^application\/json\s*(;\s*charset\s*=\s*"?utf-8"?\s*)?$/i;
/** The browser's 2FA session credential, as Node names the header (lower case). */
const SESSION = SESSION_HEADER.toLowerCase();

/**
 * The API's hottest routes (`GET /api/v1/me` on every page view, `POST /api/v1/me/verify`), answered
 * straight from Node's request listener, before Express: through Express each cost about twice its
 * work (bench:me, bench:verify). A route here is the Express route of the same path, not a copy of its
 * rules: the same JWT check and the same answer function (routes/me.ts), and its answer carries what the
 * app's middleware gives every answer (an `X-Request-Id`, the security headers, `Cache-Control:
 * no-store`) and is logged as the request log logs it. No ETag: an answer that must not be stored has
 * no use for one.
 *
 * It takes only plain requests: the route's method and exact path, a JWT, and for a body a JSON one in
 * UTF-8 with a `Content-Length` within Express's limit and no content encoding. Everything else goes to
 * Express untouched. A request without a body that fails here (a refused token, the database gone) is
 * handed to Express too, which answers it as every route does; one whose body was read here is answered
 * here, with the error middleware's own answer and log line (`answerError`), the body parsed as
 * `express.json()` parses it (json-body.ts) and checked before the token, in Express's order.
 */
export function apiLane(
  routes: readonly LaneRoute[],
  deps: ApiLaneDeps,
  next: (req: IncomingMessage, res: ServerResponse) => void,
): (req: IncomingMessage, res: ServerResponse) => void {
  const byRequest = new Map(routes.map((route) => [`${route.method} ${route.path}`, route]));
  const fixedHeaders = deps.headers.flat();
  const write = (res: ServerResponse, status: number, requestId: string, body: unknown, retryAfterSeconds?: number) => {
    const text = JSON.stringify(body);
    const headers = [
      ...fixedHeaders,
      'X-Request-Id',
      requestId,
      'Content-Type',
      'application/json; charset=utf-8',
      'Content-Length',
      String(Buffer.byteLength(text)),
    ];
    if (retryAfterSeconds !== undefined) headers.push('Retry-After', String(retryAfterSeconds));
    res.writeHead(status, headers).end(text);
  };

  return (req, res) => {
    const url = req.url ?? '';
    const query = url.indexOf('?');
    const route = byRequest.get(`${req.method} ${query === -1 ? url : url.slice(0, query)}`);
    const authorization = req.headers.authorization;
    if (route === undefined || authorization === undefined || !authorization.startsWith('JWT ') || !takes(route, req)) return next(req, res);
    const started = performance.now();
    const requestId = randomUUID();
    const method = route.method;
    const logged = (statusCode: number) => deps.logAnswered({ requestId, method, url, remoteAddress: req.socket.remoteAddress, statusCode, started });
    const session = req.headers[SESSION];
    const call = async (body: unknown) => {
      const principal = await deps.authenticate(authorization.slice(4).trim(), { method, pathAndQuery: url });
      return route.answer({ principal, sessionCredential: typeof session === 'string' && session.length > 0 ? session : null, body });
    };

    if (!route.body) {
      call(undefined).then(
        (answer) => {
          write(res, 200, requestId, answer);
          logged(200);
        },
        // Express answers it again from the start, with the error shape and log line of every route.
        () => {
          if (!res.headersSent) next(req, res);
        },
      );
      return;
    }
    readBody(req)
      .then((bytes) => (bytes === null ? null : call(parseJsonBody(bytes))))
      .then(
        (answer) => {
          if (answer === null) return; // the client went away: no one to answer
          write(res, 200, requestId, answer);
          logged(200);
        },
        (error: unknown) => {
          if (res.headersSent) return;
          const failed = deps.answerError(error, { requestId, method, url });
          write(res, failed.status, requestId, failed.body, failed.retryAfterSeconds);
          logged(failed.status);
        },
      );
  };
}

/** Whether the lane reads this request itself (else Express does). */
function takes(route: LaneRoute, req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  if (req.headers['transfer-encoding'] !== undefined) return false;
  if (!route.body) return length === undefined || length === '0';
  const bytes = Number(length);
  const encoding = req.headers['content-encoding'];
  return (
    length !== undefined &&
    Number.isInteger(bytes) &&
    bytes > 0 &&
    bytes <= BODY_LIMIT_BYTES &&
    (encoding === undefined || encoding.toLowerCase() === 'identity') &&
    JSON_TYPE.test(req.headers['content-type'] ?? '')
  );
}

/** The body, `Content-Length` bytes long (Node's HTTP parser holds the request to it); null if the client went away first. */
function readBody(req: IncomingMessage): Promise<Buffer | null> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.once('end', () => resolve(Buffer.concat(chunks)));
    req.once('error', () => resolve(null));
    req.once('aborted', () => resolve(null));
  });
}
