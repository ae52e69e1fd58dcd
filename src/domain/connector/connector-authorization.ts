import { InvariantError, isTwofoldError, TwofoldError, type ErrorCode } from '../errors';
import { isOAuth1Error, parseAuthorizationCallback } from '../oauth1';
import type { Clock } from '../ports/clock';
import type { Random } from '../ports/random';
import {
  attemptRefusal,
  AUTHORIZATION_TTL_MS,
  hashState,
  newAuthorizationState,
  REFUSAL_MESSAGES,
  settingsFingerprint,
  type AttemptRefusal,
  type AuthorizationMode,
  type AuthorizationOutcome,
  type PendingAuthorization,
} from './authorization-state';
import type { ConnectorService } from './connector-service';
import type { ActingUser } from './connector-state';
import { authorized } from './connector-transitions';
import { CALLBACK_PATH } from './connector-view';
import type { AuthorizationRepository, ConnectorRepository, JiraServerGateway } from './ports';

export interface ConnectorAuthorizationDeps {
  service: ConnectorService;
  connectors: ConnectorRepository;
  authorizations: AuthorizationRepository;
  gateway: JiraServerGateway;
  clock: Clock;
  random: Random;
  appBaseUrl: string;
  /** Whether the admin who started an attempt still holds Jira admin rights when the browser comes back. */
  stillAdmin(tenant: string, accountId: string): Promise<boolean>;
}

/** What the callback page shows. Expected outcomes are values, not exceptions. */
export type CallbackResult =
  | { ok: true; user: ActingUser | null; testMessage: string | null }
  | { ok: false; reason: AttemptRefusal | 'denied' | 'failed'; code: ErrorCode; message: string };

/** Ended attempts are kept this long for the page, then purged. */
const KEEP_ENDED_MS = 24 * 3_600_000;

/**
 * The OAuth 1.0a dance as the admin lives it: "Authorize" (step 1, then the browser goes to Jira), the
 * browser's return to the callback (step 3), or the verifier pasted by hand (`oob`).
 */
export class ConnectorAuthorization {
  constructor(private readonly deps: ConnectorAuthorizationDeps) {}

  /** Step 1 with a one-time state bound to the tenant and the admin; `mode: 'oob'` asks Jira to show a verifier. */
  async start(tenant: string, admin: string, mode: AuthorizationMode): Promise<{ authorizeUrl: string; mode: AuthorizationMode; expiresAt: string }> {
    const { deps } = this;
    const loaded = await deps.connectors.findWithSecrets(tenant);
    const state = loaded?.state;
    const privateKeyPem = loaded?.secrets.privateKeyPem ?? null;
    if (state?.authType !== 'oauth1' || state.baseUrl === null || state.consumerKey === null || privateKeyPem === null) {
      throw new TwofoldError(
        'connector_not_configured',
        state?.authType === 'basic'
          ? 'The connector uses Basic authentication: there is nothing to authorize. Switch it to OAuth 1.0a first.'
          : "Save Jira's base URL and a consumer key, and generate a key pair, before authorizing.",
      );
    }
    const { state: oneTimeState, stateHash } = newAuthorizationState(deps.random);
    const callback = mode === 'oob' ? 'oob' : `${deps.appBaseUrl}${CALLBACK_PATH}?state=${oneTimeState}`;
    const consumer = { baseUrl: state.baseUrl, consumerKey: state.consumerKey, privateKeyPem };
    let started;
    try {
      started = await deps.gateway.requestToken(consumer, callback);
    } catch (error) {
      if (isTwofoldError(error)) await this.auditFailure(tenant, admin, 'request_token', error.code);
      throw error;
    }
    const now = deps.clock.now();
    await deps.authorizations.purgeEndedBefore(tenant, new Date(now.getTime() - KEEP_ENDED_MS));
    const attempt: PendingAuthorization = {
      stateHash,
      tenant,
      adminAccountId: admin,
      mode,
      requestToken: started.requestToken.token,
      settingsFingerprint: settingsFingerprint(state),
      createdAt: now,
      expiresAt: new Date(now.getTime() + AUTHORIZATION_TTL_MS),
      endedAt: null,
      outcome: null,
    };
    await deps.authorizations.create(attempt, started.requestToken.tokenSecret);
    return { authorizeUrl: started.authorizeUrl, mode, expiresAt: attempt.expiresAt.toISOString() };
  }

  /**
   * `GET /connector/oauth/callback`: the admin's browser back from Jira. No JWT comes with it; the state
   * proves tenant and admin. A forged, replayed, superseded or expired state changes nothing. Once the
   * attempt is claimed, every way out ends it (completed, denied or failed) and every failure is audited;
   * an unexpected one is thrown as `internal_error` (the edge logs it) after that.
   */
  async completeCallback(query: Readonly<Record<string, string | undefined>>): Promise<CallbackResult> {
    const { deps } = this;
    const stateHash = hashState(query['state'] ?? '');
    const attempt = stateHash === null ? null : await deps.authorizations.findByStateHash(stateHash);
    const refusal = attemptRefusal(attempt !== null && attempt.mode === 'callback' ? attempt : null, deps.clock.now());
    if (refusal !== null) {
      if (refusal === 'expired' && attempt !== null && attempt.endedAt === null) await this.end(attempt, { kind: 'expired', code: null, message: null });
      return { ok: false, reason: refusal, code: 'authorization_state_invalid', message: REFUSAL_MESSAGES[refusal] };
    }
    if (attempt === null) throw new InvariantError('a callback attempt passed the refusal check without an attempt');
    const open = attempt;
    const stillAdmin = await deps.stillAdmin(open.tenant, open.adminAccountId);
    const claimed = await this.claim(open);
    if (claimed === null) return { ok: false, reason: 'replayed', code: 'authorization_state_invalid', message: REFUSAL_MESSAGES.replayed };
    if (!stillAdmin) {
      const message =
        'The user who started this authorization is no longer a Jira administrator, so Twofold did not complete it. Nothing was changed; a Jira administrator can authorize again.';
      await this.fail(open, 'callback', new TwofoldError('not_admin', message));
      return { ok: false, reason: 'failed', code: 'not_admin', message };
    }
    const callback = parseAuthorizationCallback(query, open.requestToken);
    if (isOAuth1Error(callback)) {
      const denied = callback.code === 'permission_denied';
      const message = denied
        ? 'The authorization was denied in Jira (Deny was chosen). Nothing was changed; to connect, authorize again and choose Allow.'
        : callback.message;
      await this.fail(open, 'callback', new TwofoldError(callback.code, message), denied ? 'denied' : 'failed');
      return { ok: false, reason: denied ? 'denied' : 'failed', code: callback.code, message };
    }
    try {
      return { ok: true, ...(await this.exchange(open, claimed.requestTokenSecret, callback.verifier)) };
    } catch (error) {
      // exchange() ended and audited the attempt; an unexpected failure goes on to be logged.
      if (!isTwofoldError(error) || error.code === 'internal_error') throw error;
      return { ok: false, reason: 'failed', code: error.code, message: error.message };
    }
  }

  /** The `oob` fallback: the verifier Jira showed, pasted by the admin who started the attempt. */
  async submitVerifier(tenant: string, admin: string, verifier: string): Promise<{ user: ActingUser | null }> {
    const attempt = await this.deps.authorizations.findOpenOob(tenant, admin);
    const claimed = attempt === null || attemptRefusal(attempt, this.deps.clock.now()) !== null ? null : await this.claim(attempt);
    if (claimed === null) {
      throw new TwofoldError(
        'authorization_state_invalid',
        'No authorization with a verification code is waiting for you (it expires after 10 minutes and works once). Click "Authorize with a verification code" again.',
      );
    }
    if (attempt === null) throw new InvariantError('a verification code was claimed without an attempt');
    const result = await this.exchange(attempt, claimed.requestTokenSecret, verifier);
    return { user: result.user };
  }

  /**
   * Takes the attempt for completion; null when another caller has it (or it just expired). A claim that
   * throws may have taken it (say, the secret did not unseal): it is ended as failed, audited, and thrown.
   */
  private async claim(attempt: PendingAuthorization): Promise<{ requestTokenSecret: string | null } | null> {
    try {
      return await this.deps.authorizations.claim(attempt.stateHash, this.deps.clock.now());
    } catch (error) {
      throw await this.fail(attempt, 'access_token', error);
    }
  }

  /**
   * Step 3 for a claimed attempt, then a first test. Whatever goes wrong before the token is saved ends
   * the attempt as failed and is audited; the error is thrown (anything but a TwofoldError as
   * `internal_error`, its cause kept).
   */
  private async exchange(
    attempt: PendingAuthorization,
    requestTokenSecret: string | null,
    verifier: string,
  ): Promise<{ user: ActingUser | null; testMessage: string | null }> {
    const { deps } = this;
    try {
      // One read of the connector: its settings must still be those the request token was issued for.
      const loaded = await deps.connectors.findWithSecrets(attempt.tenant);
      const { state, secrets } = loaded ?? { state: null, secrets: null };
      if (
        state === null ||
        state.baseUrl === null ||
        state.consumerKey === null ||
        settingsFingerprint(state) !== attempt.settingsFingerprint ||
        secrets?.privateKeyPem == null ||
        requestTokenSecret === null
      ) {
        throw settingsChanged();
      }
      const consumer = { baseUrl: state.baseUrl, consumerKey: state.consumerKey, privateKeyPem: secrets.privateKeyPem };
      const grant = await deps.gateway.accessToken(consumer, { token: attempt.requestToken, tokenSecret: requestTokenSecret }, verifier);
      const grantInput = { accessToken: grant.token, tokenSecret: grant.tokenSecret, tokenExpiresAt: grant.tokenExpiresAt, mode: attempt.mode };
      await deps.service.mutate(
        attempt.tenant,
        attempt.adminAccountId,
        (current) => {
          if (settingsFingerprint(current) !== attempt.settingsFingerprint) throw settingsChanged();
          return authorized(current, grantInput, deps.clock.now(), attempt.adminAccountId);
        },
        state,
      );
      await this.end(attempt, { kind: 'completed', code: null, message: null });
    } catch (error) {
      throw await this.fail(attempt, 'access_token', error);
    }
    // Say at once who Twofold now acts as; a failure here is recorded as the last test, not as a failed authorization.
    try {
      const tested = await deps.service.test(attempt.tenant, attempt.adminAccountId);
      return { user: { name: tested.user.name, displayName: tested.user.displayName }, testMessage: null };
    } catch (error) {
      if (!isTwofoldError(error)) throw error;
      return { user: null, testMessage: error.message };
    }
  }

  /**
   * Ends a claimed attempt as `kind` with `error`'s code and sentence and audits it, unless it had ended
   * already (then neither). Returns the error to throw: anything that is not a TwofoldError becomes
   * `internal_error`, with the original as its cause.
   */
  private async fail(attempt: PendingAuthorization, step: string, error: unknown, kind: 'failed' | 'denied' = 'failed'): Promise<TwofoldError> {
    const failure = isTwofoldError(error) ? error : new TwofoldError('internal_error', INTERNAL_FAILURE, { cause: error });
    // An internal error's own message (an InvariantError's is for developers) is never stored for the admin to read.
    const message = failure.code === 'internal_error' ? INTERNAL_FAILURE : failure.message;
    if (await this.end(attempt, { kind, code: failure.code, message })) {
      await this.auditFailure(attempt.tenant, attempt.adminAccountId, step, failure.code);
    }
    return failure;
  }

  private async end(attempt: PendingAuthorization, outcome: AuthorizationOutcome): Promise<boolean> {
    return this.deps.authorizations.finish(attempt.stateHash, outcome, this.deps.clock.now());
  }

  private async auditFailure(tenant: string, admin: string, step: string, errorCode: string): Promise<void> {
    await this.deps.service.record(tenant, admin, { action: 'connector.authorization_failed', detail: { step, errorCode } });
  }
}

const INTERNAL_FAILURE =
  'Twofold could not complete the authorization because of an internal error (it has been logged). The authorization was ended; nothing else was changed. Start it again from the Jira connector page.';

function settingsChanged(): TwofoldError {
  return new TwofoldError(
    'authorization_state_invalid',
    "The connector's base URL, consumer key or key pair changed after this authorization started, so Jira's answer no longer fits. Nothing was changed. Authorize again.",
  );
}
