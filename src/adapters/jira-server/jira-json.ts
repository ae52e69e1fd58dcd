import { capForeignText } from '../../domain/text/unsafe-characters';
import { TwofoldError } from '../../domain/errors';
import type { JiraPage, JiraUser } from '../../domain/ports/jira-server-client';

/**
 * Reading Jira's JSON without trusting it: a proxy's HTML page or a changed API must end in a clear
 * `upstream_error`, not in `undefined` travelling into the database.
 */
export function parseJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    throw new TwofoldError('upstream_error', "Jira's answer was not JSON: a login page or a proxy may have answered instead of Jira's REST API.");
  }
}

/** A user as `/rest/api/2/myself`, `/user` and `/group/member` describe it. */
export function parseUser(value: unknown): JiraUser {
  const user = value as Record<string, unknown> | null;
  if (user === null || typeof user !== 'object' || typeof user['name'] !== 'string') {
    throw new TwofoldError('upstream_error', "Jira's answer did not describe a user.");
  }
  const name = user['name'];
  return {
    // Jira before 6.0 had no keys: the username was the key.
    key: typeof user['key'] === 'string' ? user['key'] : name,
    name,
    displayName: capForeignText(typeof user['displayName'] === 'string' ? user['displayName'] : name),
    emailAddress: typeof user['emailAddress'] === 'string' ? user['emailAddress'] : null,
    active: user['active'] !== false,
  };
}

/**
 * A page of `/rest/api/2/group/member`: `{startAt, maxResults, total, isLast, values}`. The next cursor
 * is where this page ended; an empty page ends the listing even if Jira forgot `isLast`, so that a
 * misbehaving server cannot make a job loop for ever.
 */
export function parseUserPage(value: unknown, requestedStartAt: number): JiraPage<JiraUser> {
  const page = value as Record<string, unknown> | null;
  if (page === null || typeof page !== 'object' || !Array.isArray(page['values'])) {
    throw new TwofoldError('upstream_error', "Jira's answer was not a page of group members.");
  }
  const items = page['values'].map(parseUser);
  const startAt = typeof page['startAt'] === 'number' ? page['startAt'] : requestedStartAt;
  const last = page['isLast'] === true || items.length === 0;
  return {
    items,
    next: last ? null : String(startAt + items.length),
    total: typeof page['total'] === 'number' ? page['total'] : null,
  };
}
