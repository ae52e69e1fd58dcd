import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FactorStatusService } from '../src/domain/mfa/factor-status';
import type { PolicyService } from '../src/domain/policy/policy-service';
import type { Principal } from '../src/domain/tenancy/principal';
import { SESSION_HEADER } from '../src/http/session-credential';
import { presentStatus } from './me';

const ME_PATH = '/api/v1/me';
/** The browser's 2FA session credential, as Node names the header (lower case). */
const SESSION = SESSION_HEADER.toLowerCase();

export interface MeStatusLaneDeps {
  /** The Connect JWT check of `/api/v1/**` (authenticateApi: a context token or one with this request's qsh). */
  authenticate(token: string, request: { method: string; pathAndQuery: string }): Promise<Principal>;
  policies: PolicyService;
  status: FactorStatusService;
  /** The headers every answer of the app carries (security-headers.ts). */
  headers: ReadonlyArray<readonly [string, string]>;
  /** Logs the answer as the app's request log logs a successful read (request-log.ts `logRequest`). */
  logAnswered(request: AnsweredRequest): void;
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

/**
 * `GET /api/v1/me`, a successful one, answered straight from Node's request listener, before Express:
 * every Twofold page asks it on every view, and through Express (its router walking the API's layers,
 * `res.json`, the body parsers' checks) the route cost twice what its work does (bench:me, `--cpu-prof`).
 *
 * It is the route of routes/me.ts, not a copy of its rules: the same JWT check, the same status read and
 * the same presenter, and the answer carries what the app's middleware gives every answer (an
 * `X-Request-Id`, the security headers, `Cache-Control: no-store`) and is logged as they log it. It takes
 * only the plain case, a `GET` of exactly `/api/v1/me` with no body and a JWT: anything else, and any
 * failure (a refused token, the database gone), is handed to Express untouched, which answers it as every
 * other route does (the error shape, its log line). No ETag: an answer that must not be stored has no use
 * for one.
 */
export function meStatusLane(
  deps: MeStatusLaneDeps,
  next: (req: IncomingMessage, res: ServerResponse) => void,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const url = req.url ?? '';
    const authorization = req.headers.authorization;
    if (
      req.method !== 'GET' ||
      !(url === ME_PATH || url.startsWith(`${ME_PATH}?`)) ||
      authorization === undefined ||
      !authorization.startsWith('JWT ') ||
      (req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0') ||
      req.headers['transfer-encoding'] !== undefined
    ) {
      return next(req, res);
    }
    const started = performance.now();
    answer(deps, req, url, authorization.slice(4).trim()).then(
      (body) => {
        const requestId = randomUUID();
        const headers: string[] = [];
        for (const [name, value] of deps.headers) headers.push(name, value);
        headers.push('X-Request-Id', requestId, 'Content-Type', 'application/json; charset=utf-8', 'Content-Length', String(Buffer.byteLength(body)));
        res.writeHead(200, headers).end(body);
        deps.logAnswered({
          requestId,
          method: 'GET',
          url,
          remoteAddress: req.socket.remoteAddress,
          statusCode: 200,
          started,
        });
      },
      // Express answers it again from the start, with the error shape and log line of every route.
      () => {
        if (!res.headersSent) next(req, res);
      },
    );
  };
}

async function answer(deps: MeStatusLaneDeps, req: IncomingMessage, url: string, token: string): Promise<string> {
  const { tenant, accountId } = await deps.authenticate(token, { method: 'GET', pathAndQuery: url });
  const session = req.headers[SESSION];
  const credential = typeof session === 'string' && session.length > 0 ? session : null;
  const status = await deps.status.status(tenant, accountId, await deps.policies.get(tenant), credential);
  return JSON.stringify(presentStatus(status));
}
