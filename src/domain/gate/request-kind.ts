/**
 * What a request to the Data Center site is, as far as the gate cares: a path that needs no second
 * factor at all, and whether a Basic-auth client's request only reads (which the policy may give a
 * longer grace than a push or a REST write).
 */

/**
 * Paths that must pass whoever asks: the login page and what it loads (else nobody could log in to
 * reach the verify page), static resources, and the gate's own pages under `/twofold/`. Matched on the
 * path only (no query), after the context path nginx forwards is taken as given.
 */
const OPEN_PREFIXES = [
  '/twofold/',
  '/login.jsp',
  '/login',
  '/secure/forgotloginDetails.jspa',
  '/s/', // Jira's static resources (`/s/<build>/_/download/...`)
  '/static/',
  '/images/',
  '/favicon.ico',
  '/rest/gadget/1.0/login',
  // Data Center's own login over REST, and "who am I" (what the gate itself asks, with the user's cookie).
  '/rest/auth/1/session',
] as const;

/** Whether `uri` (nginx's `$request_uri`: path and query) is open to everyone. */
export function isOpenPath(uri: string): boolean {
  const path = pathOf(uri);
  if (path.includes('/../') || path.endsWith('/..')) return false;
  return OPEN_PREFIXES.some((prefix) =>
    prefix.endsWith('/') ? path.startsWith(prefix) : path === prefix || path.startsWith(`${prefix}/`) || path.startsWith(`${prefix}?`),
  );
}

/**
 * Whether a request only reads: `GET` and `HEAD`, and a Git fetch or clone over smart HTTP, which is a
 * `POST .../git-upload-pack` (its ref advertisement is a GET with `service=git-upload-pack`). A push
 * (`git-receive-pack`) is a write, whatever the method.
 *
 * @see https://git-scm.com/docs/http-protocol (Smart Clients)
 */
export function isReadRequest(method: string, uri: string): boolean {
  const path = pathOf(uri);
  if (path.endsWith('/git-receive-pack') || /[?&]service=git-receive-pack(&|$)/.test(uri)) return false;
  if (path.endsWith('/git-upload-pack')) return true;
  const upper = method.toUpperCase();
  return upper === 'GET' || upper === 'HEAD';
}

function pathOf(uri: string): string {
  const query = uri.indexOf('?');
  const raw = query === -1 ? uri : uri.slice(0, query);
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}
