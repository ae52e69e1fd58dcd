import type { ErrorRequestHandler, Request, RequestHandler } from 'express';
import { TwofoldError, isTwofoldError } from '../../domain/errors';
import { isDatabaseUnavailable } from '../db/database-unavailable';
import { isUpstreamFailure, logFailure } from '../logging/log-failure';
import type { Logger } from '../logging/logger';
import { statusOf } from '../../http/error-status';
import { bodyNotJson } from '../../http/json-body';

/** Requests that are answered in JSON whatever they accept; everything else a person sees gets a page. */
const MACHINE_PATHS = /^\/(api|gate|installed|uninstalled|healthz|sandbox\/rest|rest|companion\/api)(\/|$)/;

export function wantsJson(req: Request): boolean {
  if (MACHINE_PATHS.test(req.path)) return true;
  return req.accepts(['html', 'json']) === 'json';
}

/** How long a client should wait when the database is unreachable: long enough for a failover or a restart. */
const DATABASE_RETRY_AFTER_SECONDS = 5;

/** What a caller is told about a failure of ours: never its message, details or stack. */
const INTERNAL_ERROR_MESSAGE = 'Something went wrong on our side. It has been logged; try again, and if it persists tell your administrator the request ID.';

/**
 * The one error renderer: `{"error": {"code", "message", "details"?}}` for API calls, an HTML page for pages.
 * Three kinds of failure, three log levels:
 * - `internal_error` (an unknown error, or an InvariantError: a bug or corrupt data) is logged at error
 *   level with its stack and the request id, and answered `500` with a generic message and no details;
 * - an expected upstream failure (Jira or the host unreachable or refusing: a 502/503 code) is logged as a
 *   warning with its reason (code, host, status), without a stack;
 * - a refusal of the caller's request (a 4xx code) is logged at info.
 */
export function errorMiddleware(logger: Logger): ErrorRequestHandler {
  return (rawError, req, res, next) => {
    if (res.headersSent) return next(rawError);
    const requestId = String(res.getHeader('X-Request-Id') ?? '');
    const { error, status, answer } = logAndAnswer(logger, rawError, { requestId, method: req.method, url: req.originalUrl });
    if (error.retryAfterSeconds !== undefined) res.setHeader('Retry-After', String(Math.ceil(error.retryAfterSeconds)));
    res.status(status);
    if (wantsJson(req)) {
      res.json(answer);
    } else {
      res.render('pages/error', {
        layout: 'standalone',
        pageId: 'error',
        title: titleFor(status),
        status,
        code: error.code,
        message: answer.error.message,
        requestId,
      });
    }
  };
}

/** What an API call that failed is answered, and its `Retry-After`: the JSON of errorMiddleware, logged as it logs. */
export interface ApiErrorAnswer {
  status: number;
  retryAfterSeconds: number | undefined;
  body: { error: { code: string; message: string; details?: unknown } };
}

/** errorMiddleware's answer of an API call, for a listener that answers before Express (src/http/api-lane.ts). */
export function apiErrorAnswer(logger: Logger, rawError: unknown, request: { requestId: string; method: string; url: string }): ApiErrorAnswer {
  const { error, status, answer } = logAndAnswer(logger, rawError, request);
  return { status, retryAfterSeconds: error.retryAfterSeconds === undefined ? undefined : Math.ceil(error.retryAfterSeconds), body: answer };
}

/**
 * Three kinds of failure, three log levels (see errorMiddleware); the answer never carries an internal
 * error's message or details.
 */
function logAndAnswer(logger: Logger, rawError: unknown, request: { requestId: string; method: string; url: string }) {
  const error = toTwofoldError(rawError);
  const status = statusOf(error.code);
  if (error.code === 'internal_error') {
    logFailure(logger, rawError, 'unexpected failure', request);
  } else if (isUpstreamFailure(error)) {
    logFailure(logger, error, 'upstream failure', request);
  } else {
    // The cause (a parser's or ACE's own words) is for the log: it may echo what the caller sent.
    const said = (error.cause as { message?: unknown } | undefined)?.message;
    const reason = typeof said === 'string' ? said : undefined;
    logger.info({ errorCode: error.code, reason, ...request }, 'request refused');
  }
  const internal = error.code === 'internal_error';
  const body: ApiErrorAnswer['body']['error'] = { code: error.code, message: internal ? INTERNAL_ERROR_MESSAGE : error.message };
  if (error.details !== undefined && !internal) body.details = error.details;
  return { error, status, answer: { error: body } };
}

export const notFound: RequestHandler = (req, _res, next) => {
  next(new TwofoldError('not_found', `There is nothing at ${req.method} ${req.path}.`));
};

function toTwofoldError(error: unknown): TwofoldError {
  if (isTwofoldError(error)) return error;
  const candidate = error as { type?: string; status?: unknown; message?: string };
  if (candidate?.type === 'entity.parse.failed') return bodyNotJson(error);
  if (candidate?.type === 'entity.too.large') return new TwofoldError('payload_too_large', 'The request body is too large.', { cause: error });
  // body-parser's and Express's own refusals (an unsupported charset or encoding, a URL parameter that
  // does not decode) carry a 4xx status: the caller's mistake, not a failure of ours.
  const status = typeof candidate?.status === 'number' ? candidate.status : 0;
  if (status === 415) {
    return new TwofoldError('unsupported_media_type', 'The request body must be JSON in UTF-8, without a content encoding.', { cause: error });
  }
  if (status >= 400 && status < 500) return new TwofoldError('invalid_request', 'The request could not be read: check its URL and body.', { cause: error });
  if (isDatabaseUnavailable(error)) {
    return new TwofoldError('service_unavailable', 'Twofold cannot reach its database right now. Try again in a moment.', {
      cause: error,
      retryAfterSeconds: DATABASE_RETRY_AFTER_SECONDS,
    });
  }
  return new TwofoldError('internal_error', INTERNAL_ERROR_MESSAGE, { cause: error });
}

function titleFor(status: number): string {
  if (status === 401) return 'Please sign in again';
  if (status === 403) return 'Not allowed';
  if (status === 404) return 'Page not found';
  if (status === 429) return 'Too many attempts';
  if (status >= 500) return 'Something went wrong';
  return 'That did not work';
}
