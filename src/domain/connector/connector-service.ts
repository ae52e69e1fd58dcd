import type { AuditLog } from '../audit/audit-log';
import { isTwofoldError, TwofoldError } from '../errors';
import type { Clock } from '../ports/clock';
import type { CredentialsRejection, JiraServerClient, JiraServerCredentials, JiraUser } from '../ports/jira-server-client';
import type { Tenant } from '../tenancy/tenant';
import { normalizeJiraBaseUrl } from '../oauth1/jira-endpoints';
import { assertConsumerKey, type ConnectorSettingsInput } from './connector-settings';
import { connectorStatus, emptyConnectorState, type ConnectorSecrets, type ConnectorState } from './connector-state';
import { configure, credentialsRejected, keysGenerated, tested, tokenForgotten, type Transition } from './connector-transitions';
import { presentConnector, type ConnectorView } from './connector-view';
import type { AuthorizationRepository, ConnectorRepository, JiraServerGateway, KeyPairGenerator } from './ports';
import { publicKeyBase64, publicKeyFingerprint } from './public-key';

export interface ConnectorServiceDeps {
  connectors: ConnectorRepository;
  authorizations: AuthorizationRepository;
  gateway: JiraServerGateway;
  keys: KeyPairGenerator;
  audit: AuditLog;
  clock: Clock;
  /** Twofold's public base URL (the descriptor's), for the Application Link values and the callback. */
  appBaseUrl: string;
}

/** A client made for one generation of credentials, and whether Jira refused them during its use. */
interface OpenedClient {
  client: JiraServerClient;
  generation: number;
  watch: { rejected: boolean };
}

const CAS_ATTEMPTS = 5;

/**
 * The tenant's connector: settings, key pair, token lifecycle, tests, and the one factory of
 * JiraServerClients ({@link clientFor}) that rollout and sync use.
 */
export class ConnectorService {
  constructor(private readonly deps: ConnectorServiceDeps) {}

  async view(tenant: Tenant): Promise<ConnectorView> {
    return this.present(tenant, (await this.deps.connectors.find(tenant.clientKey)) ?? emptyConnectorState());
  }

  /** The view of `state` as it is known already (say, as {@link mutate} returned it): no second read of it. */
  private async present(tenant: Tenant, state: ConnectorState): Promise<ConnectorView> {
    const latest = await this.deps.authorizations.latest(tenant.clientKey);
    return presentConnector(state, latest, { appBaseUrl: this.deps.appBaseUrl, siteUrl: tenant.baseUrl, now: this.deps.clock.now() });
  }

  /** `PUT`: validates (`invalid_consumer_key`, `insecure_url`, `invalid_request`), then saves. */
  async configure(tenant: Tenant, actor: string, input: ConnectorSettingsInput): Promise<ConnectorView> {
    const baseUrl = normalizeJiraBaseUrl(input.baseUrl);
    this.deps.gateway.assertSecureBaseUrl(baseUrl);
    const settings: ConnectorSettingsInput = {
      baseUrl,
      authType: input.authType,
      consumerKey: input.authType !== 'oauth1' || input.consumerKey === undefined ? undefined : assertConsumerKey(input.consumerKey.trim()),
      username: input.username?.trim(),
      secret: input.secret,
    };
    return this.present(tenant, await this.mutate(tenant.clientKey, actor, (state) => configure(state, settings, this.deps.clock.now(), actor)));
  }

  /** "Generate new key": 2048-bit RSA; the private key is sealed and never leaves the server. */
  async generateKeys(tenant: Tenant, actor: string): Promise<{ publicKeyPem: string; publicKeyBase64: string; publicKeyFingerprint: string }> {
    const pair = await this.deps.keys.generate();
    const fingerprint = publicKeyFingerprint(pair.publicKeyPem);
    await this.mutate(tenant.clientKey, actor, (state) => keysGenerated(state, { ...pair, fingerprint }, this.deps.clock.now(), actor));
    return { publicKeyPem: pair.publicKeyPem, publicKeyBase64: publicKeyBase64(pair.publicKeyPem), publicKeyFingerprint: fingerprint };
  }

  /** "Forget token" (or password): nothing is written or audited when nothing is held. */
  async forgetToken(tenant: Tenant, actor: string): Promise<void> {
    await this.mutate(tenant.clientKey, actor, (state) => tokenForgotten(state, this.deps.clock.now(), actor));
  }

  /**
   * "Test connection": `GET /rest/api/2/myself` as the connector. The result is recorded (the page shows
   * who Twofold acts as, or why not) and audited; a failure is thrown with Jira's code.
   */
  async test(tenant: string, actor: string | null): Promise<{ ok: true; user: JiraUser }> {
    const opened = await this.openClient(tenant);
    let user: JiraUser;
    try {
      user = await opened.client.myself();
    } catch (error) {
      // A bug or corrupt data (internal_error) is not Jira's answer: it goes to the edge to be logged, not into the state.
      if (!isTwofoldError(error) || error.code === 'internal_error') throw error;
      const failure = { ok: false as const, code: error.code, message: error.message, credentialsRejected: opened.watch.rejected };
      await this.mutate(tenant, null, (state) => asTransition(tested(state, opened.generation, failure, this.deps.clock.now())));
      await this.record(tenant, actor, { action: 'connector.tested', detail: { ok: false, errorCode: error.code } });
      throw error;
    }
    const acting = { name: user.name, displayName: user.displayName };
    await this.mutate(tenant, null, (state) => asTransition(tested(state, opened.generation, { ok: true, user: acting }, this.deps.clock.now())));
    await this.record(tenant, actor, { action: 'connector.tested', detail: { ok: true, jiraUser: user.name } });
    return { ok: true, user };
  }

  /**
   * The connector's JiraServerClient, whatever its authentication: the one way the rest of Twofold reaches
   * Jira Server/DC. Refuses (409) while the connector is not set up or needs reauthorization, without
   * calling Jira; when Jira refuses the credentials, the connector is marked `needs_reauthorization` (and
   * audited) and every later call is refused until an admin acts.
   */
  async clientFor(tenant: string): Promise<JiraServerClient> {
    return (await this.openClient(tenant)).client;
  }

  private async openClient(tenant: string): Promise<OpenedClient> {
    const loaded = await this.deps.connectors.findWithSecrets(tenant);
    const state = loaded?.state ?? emptyConnectorState();
    const credentials = loaded === null ? null : credentialsOf(state, loaded.secrets);
    const status = connectorStatus(state, this.deps.clock.now());
    if (status === 'needs_reauthorization') {
      const fix = state.authType === 'basic' ? 'save the correct password' : 'reauthorize it';
      throw new TwofoldError(
        'connector_needs_reauthorization',
        `Jira no longer accepts the connector's credentials: ${fix} on the Jira connector page first.`,
        {
          details: { status, ...(state.credentialsRejected === null ? {} : { reason: state.credentialsRejected.code }) },
        },
      );
    }
    if (credentials === null || state.baseUrl === null || status === 'unconfigured' || status === 'awaiting_authorization') {
      throw new TwofoldError(
        'connector_not_configured',
        status === 'awaiting_authorization'
          ? 'The connector is not authorized yet: authorize Twofold on the Jira connector page first.'
          : 'The Jira Server/Data Center connector is not set up: configure it on the Jira connector page first.',
        { details: { status } },
      );
    }
    const watch = { rejected: false };
    const generation = state.generation;
    const client = this.deps.gateway.client(state.baseUrl, credentials, async (rejection) => {
      watch.rejected = true;
      await this.markRejected(tenant, generation, rejection);
    });
    return { client, generation, watch };
  }

  private async markRejected(tenant: string, generation: number, rejection: CredentialsRejection): Promise<void> {
    await this.mutate(tenant, null, (state) => credentialsRejected(state, generation, rejection, this.deps.clock.now()));
  }

  /**
   * Load → transition → compare-and-set save, retried when another instance changed the connector
   * meanwhile; then the transition's audit entry. A transition that returns null (or the state
   * unchanged) writes nothing. `loaded`: the state the caller has just read, used for the first try
   * instead of reading it again (a stale one only costs a retry). Answers the state as saved.
   */
  async mutate(tenant: string, actor: string | null, change: (state: ConnectorState) => Transition | null, loaded?: ConnectorState): Promise<ConnectorState> {
    for (let attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
      const current = (attempt === 0 ? loaded : undefined) ?? (await this.deps.connectors.find(tenant)) ?? emptyConnectorState();
      const transition = change(current);
      if (transition === null || transition.state === current) return current;
      if (!(await this.deps.connectors.save(tenant, transition.state, transition.secrets, current.version))) continue;
      if (transition.audit !== null) await this.record(tenant, actor, transition.audit);
      return { ...transition.state, version: current.version + 1 };
    }
    throw new TwofoldError('service_unavailable', 'The connector is being changed by someone else right now. Try again.');
  }

  async record(tenant: string, actor: string | null, entry: NonNullable<Transition['audit']>): Promise<void> {
    await this.deps.audit.record(tenant, {
      at: this.deps.clock.now(),
      actorAccountId: actor,
      action: entry.action,
      subjectAccountId: null,
      detail: entry.detail,
    });
  }
}

function asTransition(state: ConnectorState | null): Transition | null {
  return state === null ? null : { state, secrets: {}, audit: null };
}

function credentialsOf(state: ConnectorState, secrets: ConnectorSecrets): JiraServerCredentials | null {
  if (state.authType === 'oauth1') {
    const { privateKeyPem, accessToken, tokenSecret } = secrets;
    if (state.consumerKey === null || privateKeyPem === null || accessToken === null || tokenSecret === null) return null;
    return { type: 'oauth1', consumerKey: state.consumerKey, privateKeyPem, accessToken, tokenSecret };
  }
  if (state.authType === 'basic') {
    if (state.username === null || secrets.basicSecret === null) return null;
    return { type: 'basic', username: state.username, secret: secrets.basicSecret };
  }
  return null;
}
