import type { IncomingMessage, ServerResponse } from 'node:http';
import type { GateCheck } from '../domain/gate/gate-check';

export const GATE_CHECK_PATH = '/gate/v1/check';

const header = (req: IncomingMessage, name: string): string | undefined => {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
};

/**
 * `GET /gate/v1/check`, answered straight from Node's request listener, before Express and ACE: nginx
 * asks it for every request to the Data Center site, so it parses nothing but the headers it needs,
 * logs nothing on success, and writes no body. Anything else is left to `next` (the Express app).
 *
 * The decision's failures (the database gone) answer `503` with no body: nginx then refuses the
 * request (fail closed).
 */
export function gateCheckListener(
  check: GateCheck,
  next: (req: IncomingMessage, res: ServerResponse) => void,
  onFailure: (error: unknown) => void,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const url = req.url ?? '';
    if (!(url === GATE_CHECK_PATH || url.startsWith(`${GATE_CHECK_PATH}?`))) return next(req, res);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      const body = JSON.stringify({ error: { code: 'method_not_allowed', message: 'The gate check answers GET (nginx auth_request) only.' } });
      res.writeHead(405, { Allow: 'GET, HEAD', 'Cache-Control': 'no-store', 'Content-Type': 'application/json; charset=utf-8' }).end(body);
      return;
    }
    check
      .check({
        gateKey: header(req, 'x-twofold-gate-key'),
        peer: req.socket.remoteAddress ?? '',
        forwardedFor: header(req, 'x-forwarded-for'),
        uri: header(req, 'x-original-uri') ?? '/',
        method: header(req, 'x-original-method') ?? 'GET',
        cookie: header(req, 'cookie'),
        authorization: header(req, 'authorization'),
        userAgent: header(req, 'user-agent'),
      })
      .then(
        ({ decision, location }) => {
          const headers: Record<string, string> = { 'X-Twofold-Reason': decision.reason, 'Cache-Control': 'no-store' };
          if (location !== undefined) headers['X-Twofold-Location'] = location;
          res.writeHead(decision.status, headers).end();
        },
        (error: unknown) => {
          onFailure(error);
          if (!res.headersSent) res.writeHead(503, { 'X-Twofold-Reason': 'unavailable', 'Cache-Control': 'no-store' }).end();
        },
      );
  };
}
