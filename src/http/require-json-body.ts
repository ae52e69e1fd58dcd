import type { RequestHandler } from 'express';
import { TwofoldError } from '../domain/errors';

/**
 * A request body that is not JSON is refused with `415 unsupported_media_type` instead of being read as
 * an empty object: a `text/plain` or form body would otherwise reach a handler as `{}`, and an action whose
 * fields are all optional would run on input the caller never meant. `csvRoutes` (`POST /tokens/import`,
 * below /api/v1/admin) take `text/csv` instead, a file as the body.
 */
export function requireJsonBody(csvRoutes: readonly string[] = []): RequestHandler {
  return (req, _res, next) => {
    // An empty body (no Content-Length, or 0, as fetch sends for a POST without one) needs no type.
    const length = Number(req.headers['content-length'] ?? 0);
    if (length === 0 && req.headers['transfer-encoding'] === undefined) return next();
    const type = csvRoutes.includes(`${req.method} ${req.path}`) ? ['text/csv'] : ['application/json', 'application/*+json'];
    if (req.is(type) === false) {
      return next(new TwofoldError('unsupported_media_type', `Send the request body as ${type[0]}.`));
    }
    next();
  };
}
