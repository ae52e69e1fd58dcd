import type { RequestHandler } from 'express';
import { TwofoldError } from '../domain/errors';
import type { ClientRateLimiter, RateLimitRule } from '../domain/http/client-rate-limit';

/**
 * Express middleware for one bucket of unauthenticated endpoints: `429 rate_limited` with Retry-After
 * once the client address has used up the rule. The address is Express's `req.ip`, which honours
 * X-Forwarded-For only from the proxies the app trusts (`trust proxy`).
 */
export function rateLimitByClient(limiter: ClientRateLimiter, bucket: string, rule: RateLimitRule): RequestHandler {
  return (req, _res, next) => {
    const decision = limiter.take(bucket, rule, req.ip ?? req.socket.remoteAddress ?? 'unknown');
    if (decision.allowed) return next();
    next(rateLimited(decision.retryAfterSeconds));
  };
}

/** `429 rate_limited` with `Retry-After`, as every limit of the app answers it. */
export function rateLimited(
  retryAfterSeconds: number,
  message = 'Too many requests from this address. Wait a moment and try again.',
): TwofoldError<'rate_limited'> {
  return new TwofoldError('rate_limited', message, { details: { retryAfterSeconds }, retryAfterSeconds });
}
