import type { AccessTokenResult, TemporaryCredentials, TokenCredentials } from '../oauth1';
import type { CredentialsRejection, JiraServerClient, JiraServerCredentials } from '../ports/jira-server-client';
import type { ConnectorSecrets, ConnectorState, SecretsPatch } from './connector-state';
import type { PendingAuthorization, AuthorizationOutcome } from './authorization-state';

/** Where a tenant's connector is kept; the adapter seals the secrets (SecretBox) and never returns them sealed. */
export interface ConnectorRepository {
  find(tenant: string): Promise<ConnectorState | null>;
  /** The state with its secrets unsealed, read together (one row), for the few callers that sign or log in. */
  findWithSecrets(tenant: string): Promise<{ state: ConnectorState; secrets: ConnectorSecrets } | null>;
  /**
   * Compare-and-set: writes `state` (as version `expectedVersion + 1`) and the secrets patch if the stored
   * version is still `expectedVersion` (0: nothing stored yet). False when another change came first.
   */
  save(tenant: string, state: ConnectorState, secrets: SecretsPatch, expectedVersion: number): Promise<boolean>;
}

/** The one-time authorizations (OAuth step 1 → callback), keyed by the hash of their state. */
export interface AuthorizationRepository {
  /** Stores a new attempt and ends the tenant's other open ones as `superseded`. */
  create(authorization: PendingAuthorization, requestTokenSecret: string): Promise<void>;
  findByStateHash(stateHash: string): Promise<PendingAuthorization | null>;
  /** The newest open `oob` attempt that `adminAccountId` started for the tenant. */
  findOpenOob(tenant: string, adminAccountId: string): Promise<PendingAuthorization | null>;
  /** The tenant's newest attempt, whatever became of it (for the page). */
  latest(tenant: string): Promise<PendingAuthorization | null>;
  /**
   * Atomically takes an open, unexpired attempt for completion, in one statement (`UPDATE … WHERE
   * ended_at IS NULL AND expires_at > :at RETURNING …`): for exactly one caller, however many replay the
   * callback at once, the request token's secret (unsealed; null if it is gone); null for every other.
   */
  claim(stateHash: string, at: Date): Promise<{ requestTokenSecret: string | null } | null>;
  /**
   * Records how a claimed (or expired) attempt ended and erases its request token secret, in one
   * conditional UPDATE: an outcome already recorded is never overwritten. True when this call ended it.
   */
  finish(stateHash: string, outcome: AuthorizationOutcome, at: Date): Promise<boolean>;
  /** Deletes the tenant's attempts that ended before `cutoff`. */
  purgeEndedBefore(tenant: string, cutoff: Date): Promise<void>;
}

/** The connector's way to Jira, as an adapter provides it (HTTP, OAuth 1.0a signing, Basic). */
export interface JiraServerGateway {
  /** Throws `insecure_url` for a base URL that would carry credentials in clear. */
  assertSecureBaseUrl(baseUrl: string): void;
  /** OAuth step 1 with `callback` (a URL or `oob`), and the step 2 address. Throws OAuth1Error / UnreachableError. */
  requestToken(consumer: OAuthConsumer, callback: string): Promise<{ requestToken: TemporaryCredentials; authorizeUrl: string }>;
  /** OAuth step 3. */
  accessToken(consumer: OAuthConsumer, requestToken: TokenCredentials, verifier: string): Promise<AccessTokenResult>;
  /** A REST client; `onCredentialsRejected` is called once when Jira refuses the credentials themselves. */
  client(baseUrl: string, credentials: JiraServerCredentials, onCredentialsRejected: (rejection: CredentialsRejection) => Promise<void>): JiraServerClient;
}

export interface OAuthConsumer {
  baseUrl: string;
  consumerKey: string;
  privateKeyPem: string;
}

/** RSA key pairs for OAuth 1.0a RSA-SHA1 (2048 bits or more), in PEM. */
export interface KeyPairGenerator {
  generate(): Promise<{ privateKeyPem: string; publicKeyPem: string }>;
}
