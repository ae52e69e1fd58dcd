import type { AuditAction } from '../audit/audit-log';
import { TwofoldError } from '../errors';
import type { CredentialsRejection } from '../ports/jira-server-client';
import type { ConnectorSettingsInput } from './connector-settings';
import type { ActingUser, ConnectorState, SecretsPatch } from './connector-state';

/**
 * The connector's state machine: each event is a pure function from the current state to the next one,
 * the secrets to write or erase, and the audit entry it deserves. The service loads, applies and saves
 * with compare-and-set; nothing here does I/O.
 */
export interface Transition {
  state: ConnectorState;
  secrets: SecretsPatch;
  audit: { action: AuditAction; detail: Record<string, string | number | boolean | null> } | null;
}

const VOID_TOKEN: SecretsPatch = { accessToken: null, tokenSecret: null };

/**
 * Save settings. Another base URL, consumer key or authentication type voids the access token (it was
 * granted to that consumer at that Jira). For Basic, a stored password is never sent to another address
 * or for another user: changing either needs the password typed again. `input` is checked already
 * (normalizeJiraBaseUrl, assertConsumerKey).
 */
export function configure(current: ConnectorState, input: ConnectorSettingsInput, at: Date, actor: string): Transition {
  const next: ConnectorState = { ...current, baseUrl: input.baseUrl, authType: input.authType };
  const secrets: SecretsPatch = {};
  const baseUrlChanged = current.baseUrl !== input.baseUrl;
  const authTypeChanged = current.authType !== input.authType;
  let credentialsChanged = baseUrlChanged || authTypeChanged;
  let secretChanged = false;

  if (input.authType === 'oauth1') {
    const consumerKey = input.consumerKey ?? current.consumerKey;
    if (consumerKey === null) {
      throw new TwofoldError('invalid_consumer_key', 'Enter a consumer key: the name under which Jira will know Twofold (letters, digits, "-", "_", ".").', {
        details: { fields: [{ field: 'consumerKey', problem: 'required for OAuth 1.0a' }] },
      });
    }
    credentialsChanged ||= consumerKey !== current.consumerKey;
    next.consumerKey = consumerKey;
    if (current.hasBasicSecret) eraseBasicSecret(next, secrets);
  } else {
    const username = input.username ?? current.username;
    if (username === null || username === '') throw invalidField('username', 'Enter the Jira user name Twofold logs in as.');
    if (username.includes(':')) throw invalidField('username', 'A user name for Basic authentication cannot contain ":".');
    credentialsChanged ||= username !== current.username;
    next.username = username;
    if (input.secret === undefined) {
      if (!current.hasBasicSecret) throw invalidField('secret', "Enter the user's password.");
      if (credentialsChanged) {
        throw invalidField('secret', 'Enter the password again: Twofold does not send a stored password to another address or for another user.');
      }
    } else {
      secrets.basicSecret = input.secret;
      next.hasBasicSecret = true;
      credentialsChanged = secretChanged = true;
    }
  }

  // The base URL and the type count as credentials, so nothing else can have changed without them.
  if (!credentialsChanged) return { state: current, secrets: {}, audit: null }; // no write, no audit entry
  const tokenVoided = current.hasAccessToken;
  if (tokenVoided) voidToken(next, secrets);
  freshCredentials(next);
  stamp(next, at, actor);
  return {
    state: next,
    secrets,
    audit: {
      action: 'connector.configured',
      detail: {
        baseUrl: next.baseUrl,
        authType: next.authType,
        consumerKey: next.authType === 'oauth1' ? next.consumerKey : null,
        username: next.authType === 'basic' ? next.username : null,
        passwordChanged: secretChanged,
        tokenVoided,
      },
    },
  };
}

/** A new key pair: the old private key is gone, and with it every token granted to it. */
export function keysGenerated(
  current: ConnectorState,
  keys: { publicKeyPem: string; privateKeyPem: string; fingerprint: string },
  at: Date,
  actor: string,
): Transition {
  const next: ConnectorState = { ...current, publicKeyPem: keys.publicKeyPem, keyGeneratedAt: at, hasPrivateKey: true };
  const secrets: SecretsPatch = { privateKeyPem: keys.privateKeyPem };
  const tokenVoided = current.hasAccessToken;
  if (tokenVoided) voidToken(next, secrets);
  freshCredentials(next);
  stamp(next, at, actor);
  return { state: next, secrets, audit: { action: 'connector.key_generated', detail: { fingerprint: keys.fingerprint, tokenVoided } } };
}

/** Step 3 succeeded: the access token and its secret replace whatever was there. */
export function authorized(
  current: ConnectorState,
  grant: { accessToken: string; tokenSecret: string; tokenExpiresAt: Date | null; mode: 'callback' | 'oob' },
  at: Date,
  actor: string,
): Transition {
  const next: ConnectorState = { ...current, hasAccessToken: true, tokenExpiresAt: grant.tokenExpiresAt, authorizedAt: at, authorizedBy: actor };
  freshCredentials(next);
  stamp(next, at, actor);
  return {
    state: next,
    secrets: { accessToken: grant.accessToken, tokenSecret: grant.tokenSecret },
    audit: {
      action: 'connector.authorized',
      detail: { baseUrl: next.baseUrl, consumerKey: next.consumerKey, mode: grant.mode, tokenExpiresAt: grant.tokenExpiresAt?.toISOString() ?? null },
    },
  };
}

/**
 * "Forget token": the OAuth access token, or for Basic the stored password, and a refusal of them that
 * Jira reported. Null (no write, no audit entry) when there is nothing of the kind to forget.
 */
export function tokenForgotten(current: ConnectorState, at: Date, actor: string): Transition | null {
  if (!current.hasAccessToken && !current.hasBasicSecret && current.credentialsRejected === null) return null;
  const next: ConnectorState = { ...current };
  const secrets: SecretsPatch = {};
  if (current.hasAccessToken) voidToken(next, secrets);
  if (current.hasBasicSecret) eraseBasicSecret(next, secrets);
  freshCredentials(next);
  stamp(next, at, actor);
  return {
    state: next,
    secrets,
    audit: { action: 'connector.token_forgotten', detail: { authType: current.authType, hadCredentials: current.hasAccessToken || current.hasBasicSecret } },
  };
}

/**
 * Jira refused the credentials of generation `generation`. Ignored when they were replaced meanwhile, or
 * already marked. A dead OAuth token is erased; a refused Basic password is kept until the admin saves
 * the right one (a CAPTCHA demand refuses a right password too), but not used.
 */
export function credentialsRejected(current: ConnectorState, generation: number, rejection: CredentialsRejection, at: Date): Transition | null {
  if (current.generation !== generation || current.credentialsRejected !== null) return null;
  // What a test showed of these credentials no longer holds (the page must not say whom Twofold acts as).
  const next: ConnectorState = { ...current, credentialsRejected: { code: rejection.code, message: rejection.message, at }, lastTest: null };
  const secrets: SecretsPatch = {};
  if (current.hasAccessToken) {
    voidToken(next, secrets);
    next.generation += 1;
  }
  next.updatedAt = at;
  return {
    state: next,
    secrets,
    audit: {
      action: 'connector.token_rejected',
      detail: { authType: current.authType, errorCode: rejection.code, problem: rejection.problem, status: rejection.status },
    },
  };
}

/** The result of "Test connection" (or any check of generation `generation`). */
export function tested(
  current: ConnectorState,
  generation: number,
  result: { ok: true; user: ActingUser } | { ok: false; code: string; message: string; credentialsRejected: boolean },
  at: Date,
): ConnectorState | null {
  if (current.generation !== generation) return null;
  if (result.ok) {
    return { ...current, failure: null, lastTest: { ok: true, at, code: null, message: null, user: result.user } };
  }
  const problem = { code: result.code, message: result.message, at };
  return {
    ...current,
    failure: result.credentialsRejected ? current.failure : problem,
    lastTest: { ok: false, at, code: result.code, message: result.message, user: null },
  };
}

function voidToken(next: ConnectorState, secrets: SecretsPatch): void {
  Object.assign(secrets, VOID_TOKEN);
  next.hasAccessToken = false;
  next.tokenExpiresAt = null;
  next.authorizedAt = null;
  next.authorizedBy = null;
}

function eraseBasicSecret(next: ConnectorState, secrets: SecretsPatch): void {
  secrets.basicSecret = null;
  next.hasBasicSecret = false;
}

/** New credentials (or none): what was known about the old ones no longer applies. */
function freshCredentials(next: ConnectorState): void {
  next.generation += 1;
  next.credentialsRejected = null;
  next.failure = null;
  next.lastTest = null;
}

function stamp(next: ConnectorState, at: Date, actor: string): void {
  next.updatedAt = at;
  next.updatedBy = actor;
}

function invalidField(field: string, message: string): TwofoldError {
  return new TwofoldError('invalid_request', message, { details: { fields: [{ field, problem: message }] } });
}
