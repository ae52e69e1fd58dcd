import { TwofoldError } from '../errors';
import type { AuthType } from './connector-state';

/** What an admin saves (`PUT /api/v1/admin/connector`), after the edge checked its shape. */
export interface ConnectorSettingsInput {
  baseUrl: string;
  authType: AuthType;
  consumerKey?: string | undefined;
  username?: string | undefined;
  /**
   * Basic: the user's password (or, behind a proxy that takes it over Basic, an API token). Absent keeps
   * the stored one (where that is allowed).
   */
  secret?: string | undefined;
}

/**
 * Letters, digits, `-`, `_` and `.`: Jira Align warns that spaces and symbols break the Application Link
 * set-up (Jira puts the key into URLs and its own OAuth parameters unencoded in places).
 */
const CONSUMER_KEY = /^[A-Za-z0-9._-]{1,200}$/;

export function assertConsumerKey(consumerKey: string): string {
  if (!CONSUMER_KEY.test(consumerKey)) {
    throw new TwofoldError(
      'invalid_consumer_key',
      'The consumer key may hold letters, digits, "-", "_" and "." only (no spaces or other symbols), at most 200 of them: Jira\'s Application Link breaks on others.',
      { details: { fields: [{ field: 'consumerKey', problem: 'letters, digits, -, _ and . only' }] } },
    );
  }
  return consumerKey;
}

/** The Application Link's "Consumer Name": tells links of several Jira Cloud sites apart in Jira's list. */
export function consumerNameFor(siteUrl: string): string {
  let host = siteUrl;
  try {
    host = new URL(siteUrl).host;
  } catch {
    // keep what was given
  }
  return `Twofold (${host})`;
}
