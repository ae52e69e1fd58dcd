import type { RateLimitRule } from '../domain/http/client-rate-limit';

/**
 * The endpoints that answer without a Jira token, and how often one client address may call them. The
 * limits sit far above what a person or a Jira site does (an install is one hook; an admin authorizes the
 * connector once) and far below what a flood needs. Codes are limited by the user's lockout besides.
 */
export const UNAUTHENTICATED_LIMITS: ReadonlyArray<{ readonly paths: string[]; readonly bucket: string; readonly rule: RateLimitRule }> = [
  { paths: ['/installed', '/uninstalled'], bucket: 'install-hooks', rule: { limit: 60, windowSeconds: 60 } },
  { paths: ['/connector/oauth/callback'], bucket: 'oauth-callback', rule: { limit: 30, windowSeconds: 60 } },
  // The companion's pairing: a phone registers once; its other calls carry a device token.
  { paths: ['/companion/api/v1/devices'], bucket: 'companion-pairing', rule: { limit: 20, windowSeconds: 60 } },
];

/**
 * The gate's POSTs (verify, enroll, approvals): limited inside the gate's router, by the client address the
 * gate trusts, since all of a Data Center site's users reach Twofold through the same nginx.
 */
export const GATE_POST_LIMIT = { bucket: 'gate-posts', rule: { limit: 60, windowSeconds: 60 } } as const;
