import type { ErrorRequestHandler, Request, RequestHandler } from 'express';
import { TwofoldError, isTwofoldError } from '../../domain/errors';
import type { Logger } from '../logging/logger';
import { statusOf } from './error-status';

/** Requests that are answered in JSON whatever they accept; everything else a person sees gets a page. */
const MACHINE_PATHS = /^\/(api|gate|installed|uninstalled|healthz|sandbox\/rest|rest)(\/|$)/;

export function wantsJson(req: Request): boolean {
  if (MACHINE_PATHS.test(req.path)) return true;
  return req.accepts(['html', 'json']) === 'json';
}

/**
 * The one error renderer: `{"error": {"code", "message"}}` for API calls, an HTML page for pages.
 * Unknown errors are logged with their stack and become `500 internal_error`; no stack and no
 * secret ever reaches a response.
 */
export function errorMiddleware(logger: Logger): ErrorRequestHandler {
  return (rawError, req, res, next) => {
    if (res.headersSent) return next(rawError);
    const error = toTwofoldError(rawError);
    const status = statusOf(error.code);
    const requestId = String(res.getHeader('X-Request-Id') ?? '');
    if (error.code === 'internal_error') {
      logger.error({ err: rawError, requestId, method: req.method, url: req.originalUrl }, 'unexpected failure');
    } else {
      logger.info({ errorCode: error.code, requestId, method: req.method, url: req.originalUrl }, 'request refused');
    }
    if (error.retryAfterSeconds !== undefined) res.setHeader('Retry-After', String(Math.ceil(error.retryAfterSeconds)));
    res.status(status);
    if (wantsJson(req)) {
      const body: Record<string, unknown> = { code: error.code, message: error.message };
      if (error.details) body.details = error.details;
      res.json({ error: body });
    } else {
      res.render('pages/error', { layout: 'standalone', pageId: 'error', title: titleFor(status), status, code: error.code, message: error.message, requestId });
    }
  };
}

export const notFound: RequestHandler = (req, _res, next) => {
  next(new TwofoldError('not_found', `There is nothing at ${req.method} ${req.path}.`));
};

function toTwofoldError(error: unknown): TwofoldError {
  if (isTwofoldError(error)) return error;
  const candidate = error as { type?: string; code?: unknown; status?: number; message?: string };
  if (candidate?.type === 'entity.parse.failed') return new TwofoldError('invalid_request', 'The request body is not valid JSON.');
  if (candidate?.type === 'entity.too.large') return new TwofoldError('payload_too_large', 'The request body is too large.');
  // ACE (with expressErrorHandling) passes `{code: 401, message}` when it refuses an install hook.
  if (candidate?.code === 401 && typeof candidate.message === 'string') {
    return new TwofoldError('install_unauthorized', `The lifecycle request was refused: ${candidate.message}`);
  }
  return new TwofoldError('internal_error', 'Something went wrong on our side. It has been logged; try again, and if it persists tell your administrator the request ID.', { cause: error });
}

function titleFor(status: number): string {
  if (status === 401) return 'Please sign in again';
  if (status === 403) return 'Not allowed';
  if (status === 404) return 'Page not found';
  if (status === 429) return 'Too many attempts';
  if (status >= 500) return 'Something went wrong';
  return 'That did not work';
}
