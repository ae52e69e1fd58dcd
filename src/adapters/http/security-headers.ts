import type { RequestHandler } from 'express';

/**
 * Headers every answer carries. Pages are framed by Jira, so framing is allowed for Atlassian's
 * hosts (and the app's own origin, where the sandbox host lives) instead of forbidden outright.
 * `Referrer-Policy: no-referrer` matters here: page URLs carry a JWT in their query.
 *
 * `Cache-Control: no-store` is the default of every answer: API answers and pages carry users' IDs,
 * enrollment state and one-time material, and pages are fetched at URLs with a JWT in them. Static files
 * (`/public`) set their own caching after this. `Permissions-Policy` turns off the powerful features no
 * Twofold page uses, so an injected script could not reach them either.
 */
export function securityHeaders(options: { frameAncestors: string[] }): RequestHandler {
  const headers = securityHeaderList(options);
  return (_req, res, next) => {
    for (const [name, value] of headers) res.setHeader(name, value);
    next();
  };
}

/** The headers above as `[name, value]` pairs, for a listener that answers before Express (src/http/api-lane.ts). */
export function securityHeaderList(options: { frameAncestors: string[] }): ReadonlyArray<readonly [string, string]> {
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
  const permissions = ['camera', 'microphone', 'geolocation', 'payment', 'usb', 'serial', 'hid', 'bluetooth', 'midi', 'display-capture', 'browsing-topics']
    .map((feature) => `${feature}=()`)
    .join(', ');
  return [
    ['Content-Security-Policy', csp],
    ['X-Content-Type-Options', 'nosniff'],
    ['Referrer-Policy', 'no-referrer'],
    ['Cross-Origin-Opener-Policy', 'same-origin-allow-popups'],
    ['Cache-Control', 'no-store'],
    ['Permissions-Policy', permissions],
  ];
}
