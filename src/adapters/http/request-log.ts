import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { AnsweredRequest } from '../../http/api-lane';
import type { Logger } from '../logging/logger';
import { scrubText } from '../logging/redaction';

type Level = 'debug' | 'info' | 'error';

/**
 * How a finished request is logged: server errors at error, successful reads at debug (GET /api/v1/me
 * runs on every page view), writes and refusals at info.
 */
export function requestLogLevel(method: string, statusCode: number): Level {
  if (statusCode >= 500) return 'error';
  return method === 'GET' && statusCode < 400 ? 'debug' : 'info';
}

/**
 * Gives every answer an `X-Request-Id` (the error page shows it) and logs each request once, when it
 * finishes or is abandoned: method, scrubbed URL (page URLs carry a JWT in `?jwt=`), status and time;
 * never a header or a body.
 *
 * Why not pino-http: it made a child logger and serializers for every request before knowing whether
 * the line would be written; at debug level, as successful reads are, that was about 20 % of the CPU
 * of `GET /api/v1/me` through the full app (bench:me, `--cpu-prof`). Here a request whose level is
 * off costs a timestamp and one listener.
 */
export function requestLog(logger: Logger, options: { ignore?: (url: string) => boolean } = {}): RequestHandler {
  return (req, res, next) => {
    const requestId = randomUUID();
    res.setHeader('X-Request-Id', requestId);
    if (options.ignore?.(req.url)) return next();
    const started = performance.now();
    const url = req.originalUrl;
    const done = () => {
      res.removeListener('close', done);
      const finished = res.writableFinished;
      const level = finished ? requestLogLevel(req.method, res.statusCode) : 'info';
      logRequest(logger, level, { requestId, method: req.method, url, remoteAddress: req.socket.remoteAddress, statusCode: res.statusCode, started }, finished);
    };
    res.once('close', done);
    next();
  };
}

/** A request's one line, as above; also written by the listeners that answer before Express (src/http/api-lane.ts). */
export function logRequest(logger: Logger, level: Level, request: AnsweredRequest, finished = true): void {
  if (!logger.isLevelEnabled(level)) return;
  logger[level](
    {
      reqId: request.requestId,
      req: { method: request.method, url: scrubText(request.url), remoteAddress: request.remoteAddress },
      res: { statusCode: request.statusCode },
      responseTime: Math.round(performance.now() - request.started),
    },
    finished ? 'request completed' : 'request aborted',
  );
}
