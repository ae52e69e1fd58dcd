import { createHash } from 'node:crypto';
import type { Random } from '../ports/random';
import type { ConnectorState } from './connector-state';

/**
 * One OAuth authorization attempt, from step 1 to the callback (or the pasted verifier). The browser
 * carries a one-time `state` in the callback URL; only its SHA-256 is stored, so that a database reader
 * cannot complete someone's authorization. The state binds the attempt to the tenant and the admin who
 * started it, lives 10 minutes (Jira's request tokens live as long) and is used once.
 */
export const AUTHORIZATION_TTL_MS = 10 * 60_000;

export type AuthorizationMode = 'callback' | 'oob';

export type AuthorizationOutcomeKind = 'completed' | 'denied' | 'failed' | 'expired' | 'superseded';

export interface AuthorizationOutcome {
  kind: AuthorizationOutcomeKind;
  /** An error code for `denied` and `failed`. */
  code: string | null;
  message: string | null;
}

export interface PendingAuthorization {
  stateHash: string;
  tenant: string;
  adminAccountId: string;
  mode: AuthorizationMode;
  /** The request token (public: it travels in the authorize URL). Its secret is kept sealed apart. */
  requestToken: string;
  /** The connector settings the request token was issued for (see {@link settingsFingerprint}). */
  settingsFingerprint: string;
  createdAt: Date;
  expiresAt: Date;
  /** Set when the attempt is claimed for completion, or ended otherwise. */
  endedAt: Date | null;
  /** How it ended; null while open, and while claimed and being completed. */
  outcome: AuthorizationOutcome | null;
}

/** 256 random bits, base64url: what goes into the callback URL. */
export function newAuthorizationState(random: Random): { state: string; stateHash: string } {
  const state = random.bytes(32).toString('base64url');
  return { state, stateHash: stateDigest(state) };
}

/** The stored form of a state; null for something that cannot be a state Twofold issued. */
export function hashState(state: string): string | null {
  if (!/^[A-Za-z0-9_-]{43}$/.test(state)) return null;
  return stateDigest(state);
}

function stateDigest(state: string): string {
  return createHash('sha256').update(state, 'utf8').digest('hex');
}

/**
 * What the request token was issued for: the consumer (key and key pair) at one Jira. A callback that
 * arrives after any of them changed is refused, since Jira would bind the token to the old consumer.
 */
export function settingsFingerprint(state: ConnectorState): string {
  const parts = [state.authType, state.baseUrl, state.consumerKey, state.publicKeyPem].map((part) => part ?? '');
  return createHash('sha256').update(parts.join('\u0000'), 'utf8').digest('hex');
}

/** Why a callback or verifier cannot complete an attempt; null when it can. */
export type AttemptRefusal = 'unknown' | 'replayed' | 'superseded' | 'expired';

export function attemptRefusal(attempt: PendingAuthorization | null, now: Date): AttemptRefusal | null {
  if (attempt === null) return 'unknown';
  if (attempt.outcome?.kind === 'superseded') return 'superseded';
  if (attempt.outcome?.kind === 'expired') return 'expired';
  if (attempt.endedAt !== null) return 'replayed';
  if (attempt.expiresAt.getTime() <= now.getTime()) return 'expired';
  return null;
}

/** The attempt as the page shows it. */
export type AttemptState = 'pending' | 'in_progress' | AuthorizationOutcomeKind;

/**
 * Completing a claimed attempt (step 3, then the first test, each call bounded by the client's timeout and
 * retries) takes seconds. A claim older than this without an outcome was abandoned (the instance stopped
 * midway): it shows as `expired`, so that the page stops waiting for it.
 */
export const CLAIM_ABANDONED_AFTER_MS = 5 * 60_000;

export function attemptState(attempt: PendingAuthorization, now: Date): AttemptState {
  if (attempt.outcome !== null) return attempt.outcome.kind;
  if (attempt.endedAt !== null) return attempt.endedAt.getTime() + CLAIM_ABANDONED_AFTER_MS <= now.getTime() ? 'expired' : 'in_progress';
  return attempt.expiresAt.getTime() <= now.getTime() ? 'expired' : 'pending';
}

/** Sentences for the callback page and the API, one per refusal. */
export const REFUSAL_MESSAGES: Record<AttemptRefusal, string> = {
  unknown:
    'This link does not belong to an authorization that Twofold started: it may have been altered or forged. Nothing was changed. Start the authorization again from the Jira connector page.',
  replayed:
    'This authorization link was already used. Each link works once; nothing was changed. If the connector is not connected, start the authorization again.',
  superseded: 'A newer authorization was started after this one, so this link no longer counts. Nothing was changed. Finish the newer one, or start again.',
  expired: 'This authorization link expired: it is valid for 10 minutes. Nothing was changed. Start the authorization again from the Jira connector page.',
};
