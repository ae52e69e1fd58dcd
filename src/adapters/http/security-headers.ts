import type { RequestHandler } from 'express';

/**
 * Headers every answer carries. Pages are framed by Jira, so framing is allowed for Atlassian's
 * hosts (and the app's own origin, where the sandbox host lives) instead of forbidden outright.
 * `Referrer-Policy: no-referrer` matters here: page URLs carry a JWT in their query.
 */
export function securityHeaders(options: { frameAncestors: string[] }): RequestHandler {
  const csp = [
    "default-src 'self'",
    "script-src 'self' https://connect-cdn.atl-paas.net",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "form-action 'self'",
    "base-uri 'none'",
    "object-src 'none'",
    `frame-ancestors ${options.frameAncestors.join(' ')}`,
  ].join('; ');
  return (_req, res, next) => {
    res.setHeader('Content-Security-Policy', csp);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('Cross-Origin-Opener-Policy', 'same-origin-allow-popups');
    next();
  };
}
