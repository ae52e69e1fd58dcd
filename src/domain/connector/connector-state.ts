/**
 * The connector toward one Jira Server/Data Center, as a tenant configured it: what it is (base URL,
 * authentication), what it holds (flags only: the secrets themselves are kept apart, see
 * {@link ConnectorSecrets}) and what happened to it (authorization, rejection, last test).
 *
 * The status is derived from these facts (see {@link connectorStatus}), never stored, so that it cannot
 * disagree with them: an access token past its `tokenExpiresAt` needs reauthorization without anyone
 * having written that down.
 */
export const CONNECTOR_STATUSES = ['unconfigured', 'awaiting_authorization', 'connected', 'needs_reauthorization', 'error'] as const;
export type ConnectorStatus = (typeof CONNECTOR_STATUSES)[number];

export const AUTH_TYPES = ['oauth1', 'basic'] as const;
export type AuthType = (typeof AUTH_TYPES)[number];

/** Something that went wrong, as the admin should read it. `code` is an error code of src/domain/errors. */
export interface ConnectorProblem {
  code: string;
  message: string;
  at: Date;
}

/** The Jira user Twofold acts as, as `/rest/api/2/myself` named it. */
export interface ActingUser {
  name: string;
  displayName: string;
}

export interface ConnectorTestResult {
  ok: boolean;
  at: Date;
  /** The failure's code and sentence; null when ok. */
  code: string | null;
  message: string | null;
  user: ActingUser | null;
}

export interface ConnectorState {
  baseUrl: string | null;
  authType: AuthType | null;
  /** OAuth 1.0a: the consumer key typed into Jira's Application Link. */
  consumerKey: string | null;
  /** OAuth 1.0a: the public half of the key pair (its private half is a secret). */
  publicKeyPem: string | null;
  keyGeneratedAt: Date | null;
  /** Basic: the Jira user name (its password is a secret). */
  username: string | null;

  hasPrivateKey: boolean;
  hasAccessToken: boolean;
  hasBasicSecret: boolean;
  /** From Jira's `oauth_expires_in` (5 years by default); null for Basic or when Jira did not say. */
  tokenExpiresAt: Date | null;
  authorizedAt: Date | null;
  /** The Twofold admin (Atlassian accountId) who completed the authorization. */
  authorizedBy: string | null;

  /** Jira refused the credentials themselves: nothing is sent to Jira until they are replaced. */
  credentialsRejected: ConnectorProblem | null;
  /** The last use failed for another reason (signature, clock, network): shown as `error`, use goes on. */
  failure: ConnectorProblem | null;
  lastTest: ConnectorTestResult | null;

  /**
   * Bumped whenever the credentials in use change (a token obtained, voided or rejected; a new key; a new
   * password; another base URL). A client remembers the generation it was made for, so that a late
   * rejection of old credentials cannot mark new ones as rejected.
   */
  generation: number;
  /** Storage version for compare-and-set; 0 before the first save. */
  version: number;
  updatedAt: Date | null;
  updatedBy: string | null;
}

/**
 * The secrets that go with a state, unsealed. They travel only between the repository (which seals them),
 * the service and the Jira client; never to a view, a log line or the audit log.
 */
export interface ConnectorSecrets {
  privateKeyPem: string | null;
  accessToken: string | null;
  tokenSecret: string | null;
  basicSecret: string | null;
}

/** Changes to the secrets of a save: `undefined` keeps a value, `null` erases it. */
export type SecretsPatch = { [K in keyof ConnectorSecrets]?: ConnectorSecrets[K] };

export function emptyConnectorState(): ConnectorState {
  return {
    baseUrl: null,
    authType: null,
    consumerKey: null,
    publicKeyPem: null,
    keyGeneratedAt: null,
    username: null,
    hasPrivateKey: false,
    hasAccessToken: false,
    hasBasicSecret: false,
    tokenExpiresAt: null,
    authorizedAt: null,
    authorizedBy: null,
    credentialsRejected: null,
    failure: null,
    lastTest: null,
    generation: 0,
    version: 0,
    updatedAt: null,
    updatedBy: null,
  };
}

/**
 * - `unconfigured`: not enough settings to authorize or connect (no base URL, no key, no password).
 * - `awaiting_authorization`: OAuth settings and key are there, the three-step dance is still to do.
 * - `connected`: credentials that Jira has not refused.
 * - `needs_reauthorization`: Jira refused the credentials, or the access token expired.
 * - `error`: credentials are fine as far as is known, but the last use failed (see `failure`).
 */
export function connectorStatus(state: ConnectorState, now: Date): ConnectorStatus {
  if (state.baseUrl === null || state.authType === null) return 'unconfigured';
  if (state.authType === 'oauth1') {
    if (state.consumerKey === null || !state.hasPrivateKey) return 'unconfigured';
    if (state.credentialsRejected !== null) return 'needs_reauthorization';
    if (!state.hasAccessToken) return 'awaiting_authorization';
    if (tokenExpired(state, now)) return 'needs_reauthorization';
  } else {
    if (state.credentialsRejected !== null) return 'needs_reauthorization';
    if (state.username === null || !state.hasBasicSecret) return 'unconfigured';
  }
  return state.failure === null ? 'connected' : 'error';
}

export function tokenExpired(state: ConnectorState, now: Date): boolean {
  return state.hasAccessToken && state.tokenExpiresAt !== null && state.tokenExpiresAt.getTime() <= now.getTime();
}

/** The page warns this long before the access token ends. */
export const TOKEN_EXPIRY_WARNING_DAYS = 30;

export function tokenExpiresSoon(state: ConnectorState, now: Date): boolean {
  if (!state.hasAccessToken || state.tokenExpiresAt === null) return false;
  return state.tokenExpiresAt.getTime() - now.getTime() <= TOKEN_EXPIRY_WARNING_DAYS * 86_400_000;
}
