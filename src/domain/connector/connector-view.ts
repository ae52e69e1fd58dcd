import { attemptState, type AttemptState, type AuthorizationMode, type PendingAuthorization } from './authorization-state';
import { consumerNameFor } from './connector-settings';
import { connectorStatus, tokenExpired, tokenExpiresSoon, type ActingUser, type AuthType, type ConnectorState, type ConnectorStatus } from './connector-state';
import { publicKeyBase64, publicKeyFingerprint } from './public-key';

/** The path Jira sends the admin's browser back to (OAuth step 2 → 3). */
export const CALLBACK_PATH = '/connector/oauth/callback';

/**
 * `GET /api/v1/admin/connector`: what the page and an admin's script see. Built from the state only,
 * which holds no secret: a private key, token, token secret or password cannot end up here.
 */
export interface ConnectorView {
  baseUrl: string | null;
  authType: AuthType | null;
  consumerKey: string | null;
  publicKeyPem: string | null;
  /** The bare base64 that Jira's Application Link form takes as "Public Key". */
  publicKeyBase64: string | null;
  publicKeyFingerprint: string | null;
  keyGeneratedAt: string | null;
  username: string | null;
  /** Basic: whether a password is stored (it is never shown again). */
  hasSecret: boolean;
  status: ConnectorStatus;
  /** One sentence on what the status means and what to do next. */
  statusMessage: string;
  tokenExpiresAt: string | null;
  /** The access token ends within 30 days. */
  tokenExpiresSoon: boolean;
  authorizedAt: string | null;
  authorizedBy: string | null;
  /** Why the status is `needs_reauthorization` or `error`. */
  problem: { code: string; message: string; at: string } | null;
  lastTest: { ok: boolean; at: string; code: string | null; message: string | null; user: ActingUser | null } | null;
  /** The newest authorization attempt. */
  authorization: {
    state: AttemptState;
    mode: AuthorizationMode;
    startedAt: string;
    expiresAt: string;
    endedAt: string | null;
    code: string | null;
    message: string | null;
  } | null;
  /**
   * The other values to type into Jira (Administration › Applications › Application links), for OAuth
   * 1.0a. Its Consumer Key and Public Key are {@link consumerKey} and {@link publicKeyBase64}.
   */
  applicationLink: {
    applicationUrl: string;
    applicationName: string;
    applicationType: string;
    consumerName: string;
    consumerCallbackUrl: string;
    allowTwoLeggedOAuth: false;
  };
  updatedAt: string | null;
  updatedBy: string | null;
}

export function presentConnector(
  state: ConnectorState,
  latestAttempt: PendingAuthorization | null,
  context: { appBaseUrl: string; siteUrl: string; now: Date },
): ConnectorView {
  const { now } = context;
  const status = connectorStatus(state, now);
  const base64 = state.publicKeyPem === null ? null : publicKeyBase64(state.publicKeyPem);
  const problem = state.credentialsRejected ?? (status === 'error' ? state.failure : null);
  return {
    baseUrl: state.baseUrl,
    authType: state.authType,
    consumerKey: state.consumerKey,
    publicKeyPem: state.publicKeyPem,
    publicKeyBase64: base64,
    publicKeyFingerprint: state.publicKeyPem === null ? null : publicKeyFingerprint(state.publicKeyPem),
    keyGeneratedAt: iso(state.keyGeneratedAt),
    username: state.username,
    hasSecret: state.hasBasicSecret,
    status,
    statusMessage: statusMessage(state, status, now),
    tokenExpiresAt: iso(state.tokenExpiresAt),
    tokenExpiresSoon: tokenExpiresSoon(state, now),
    authorizedAt: iso(state.authorizedAt),
    authorizedBy: state.authorizedBy,
    problem: problem === null ? null : { code: problem.code, message: problem.message, at: problem.at.toISOString() },
    lastTest: state.lastTest === null ? null : { ...state.lastTest, at: state.lastTest.at.toISOString() },
    authorization:
      latestAttempt === null
        ? null
        : {
            state: attemptState(latestAttempt, now),
            mode: latestAttempt.mode,
            startedAt: latestAttempt.createdAt.toISOString(),
            expiresAt: latestAttempt.expiresAt.toISOString(),
            endedAt: iso(latestAttempt.endedAt),
            code: latestAttempt.outcome?.code ?? null,
            message: latestAttempt.outcome?.message ?? null,
          },
    applicationLink: {
      applicationUrl: context.appBaseUrl,
      applicationName: 'Twofold',
      applicationType: 'Generic Application',
      consumerName: consumerNameFor(context.siteUrl),
      consumerCallbackUrl: `${context.appBaseUrl}${CALLBACK_PATH}`,
      allowTwoLeggedOAuth: false,
    },
    updatedAt: iso(state.updatedAt),
    updatedBy: state.updatedBy,
  };
}

function statusMessage(state: ConnectorState, status: ConnectorStatus, now: Date): string {
  switch (status) {
    case 'unconfigured':
      if (state.authType === 'basic') return "Enter Jira's base URL, the user name Twofold logs in as, and that user's password.";
      if (state.baseUrl !== null && state.consumerKey !== null) return 'Generate a key pair, then add its public key to an Application Link in Jira.';
      return "Enter Jira's base URL and a consumer key, then generate a key pair.";
    case 'awaiting_authorization':
      return 'Add the Application Link in Jira with the values below, then authorize Twofold.';
    case 'connected': {
      const user = state.lastTest?.ok === true ? state.lastTest.user : null;
      if (user !== null) return `Connected: Twofold acts in Jira as ${user.displayName} (${user.name}).`;
      return state.authType === 'basic'
        ? 'Credentials saved. Test the connection to check them.'
        : 'Authorized. Test the connection to see who Twofold acts as.';
    }
    case 'needs_reauthorization':
      if (state.credentialsRejected !== null) return state.credentialsRejected.message;
      if (tokenExpired(state, now))
        return `The access token expired on ${state.tokenExpiresAt?.toISOString().slice(0, 10) ?? 'an earlier date'}. Reauthorize Twofold.`;
      return 'Reauthorize Twofold.';
    case 'error':
      return state.failure?.message ?? 'The last use of the connector failed.';
  }
}

function iso(value: Date | null): string | null {
  return value === null ? null : value.toISOString();
}
