import type { AuditEntry, AuditLog, AuditPage } from '../../../../src/domain/audit/audit-log';
import type { AuthorizationOutcome, PendingAuthorization } from '../../../../src/domain/connector/authorization-state';
import { ConnectorAuthorization } from '../../../../src/domain/connector/connector-authorization';
import { ConnectorService } from '../../../../src/domain/connector/connector-service';
import { emptyConnectorState, type ConnectorSecrets, type ConnectorState, type SecretsPatch } from '../../../../src/domain/connector/connector-state';
import { configure, keysGenerated } from '../../../../src/domain/connector/connector-transitions';
import type { AuthorizationRepository, ConnectorRepository, JiraServerGateway, OAuthConsumer } from '../../../../src/domain/connector/ports';
import type { AccessTokenResult, TokenCredentials } from '../../../../src/domain/oauth1';
import { FixedClock } from '../../../../src/domain/ports/clock';
import type { JiraServerClient } from '../../../../src/domain/ports/jira-server-client';
import type { Tenant } from '../../../../src/domain/tenancy/tenant';

export const TENANT: Tenant = {
  clientKey: 'tenant-1',
  baseUrl: 'https://acme.atlassian.net',
  productType: 'jira',
  sharedSecret: 'x',
  installedAt: new Date(0),
  updatedAt: new Date(0),
  uninstalledAt: null,
};
export const ADMIN = 'admin-1';
export const REQUEST_TOKEN = { token: 'rt-1', tokenSecret: 'rt-secret-1' };

const copy = <T>(value: T): T => structuredClone(value);

/** The connector row in memory; `calls` names every repository call, in order. */
export class MemoryConnectors implements ConnectorRepository {
  calls: string[] = [];
  state: ConnectorState | null = null;
  secrets: ConnectorSecrets = { privateKeyPem: null, accessToken: null, tokenSecret: null, basicSecret: null };

  async find(): Promise<ConnectorState | null> {
    this.calls.push('find');
    return copy(this.state);
  }
  async findWithSecrets(): Promise<{ state: ConnectorState; secrets: ConnectorSecrets } | null> {
    this.calls.push('findWithSecrets');
    return this.state === null ? null : { state: copy(this.state), secrets: { ...this.secrets } };
  }
  async save(_tenant: string, state: ConnectorState, secrets: SecretsPatch, expectedVersion: number): Promise<boolean> {
    this.calls.push('save');
    if ((this.state?.version ?? 0) !== expectedVersion) return false;
    this.state = { ...copy(state), version: expectedVersion + 1 };
    this.secrets = { ...this.secrets, ...secrets };
    return true;
  }
}

/** Attempts in memory, with the same claim and finish rules as the SQL ones. */
export class MemoryAuthorizations implements AuthorizationRepository {
  calls: string[] = [];
  readonly rows = new Map<string, { attempt: PendingAuthorization; secret: string | null }>();
  /** Makes the next claim take the attempt and then throw (as a secret that does not unseal would). */
  claimFailure: Error | null = null;

  async create(attempt: PendingAuthorization, requestTokenSecret: string): Promise<void> {
    this.calls.push('create');
    for (const row of this.rows.values()) {
      if (row.attempt.endedAt === null)
        Object.assign(row, {
          secret: null,
          attempt: { ...row.attempt, endedAt: attempt.createdAt, outcome: { kind: 'superseded', code: null, message: null } },
        });
    }
    this.rows.set(attempt.stateHash, { attempt: copy(attempt), secret: requestTokenSecret });
  }
  async findByStateHash(stateHash: string): Promise<PendingAuthorization | null> {
    this.calls.push('findByStateHash');
    return copy(this.rows.get(stateHash)?.attempt ?? null);
  }
  async findOpenOob(_tenant: string, admin: string): Promise<PendingAuthorization | null> {
    this.calls.push('findOpenOob');
    const open = [...this.rows.values()].filter((r) => r.attempt.mode === 'oob' && r.attempt.adminAccountId === admin && r.attempt.endedAt === null);
    return copy(open.at(-1)?.attempt ?? null);
  }
  async latest(): Promise<PendingAuthorization | null> {
    this.calls.push('latest');
    return copy([...this.rows.values()].at(-1)?.attempt ?? null);
  }
  async claim(stateHash: string, at: Date): Promise<{ requestTokenSecret: string | null } | null> {
    this.calls.push('claim');
    const row = this.rows.get(stateHash);
    if (row === undefined || row.attempt.endedAt !== null || row.attempt.expiresAt.getTime() <= at.getTime()) return null;
    row.attempt = { ...row.attempt, endedAt: at };
    if (this.claimFailure !== null) throw this.claimFailure;
    return { requestTokenSecret: row.secret };
  }
  async finish(stateHash: string, outcome: AuthorizationOutcome, at: Date): Promise<boolean> {
    this.calls.push('finish');
    const row = this.rows.get(stateHash);
    if (row === undefined || row.attempt.outcome !== null) return false;
    row.attempt = { ...row.attempt, endedAt: row.attempt.endedAt ?? at, outcome: { ...outcome } };
    row.secret = null;
    return true;
  }
  async purgeEndedBefore(): Promise<void> {}
}

export class MemoryAuditLog implements AuditLog {
  readonly entries: AuditEntry[] = [];
  async record(_tenant: string, entry: AuditEntry): Promise<void> {
    this.entries.push(entry);
  }
  async page(): Promise<AuditPage> {
    return { entries: [], nextCursor: null };
  }
}

/** Jira as the gateway port shows it: `accessToken` does what the test says; the REST client knows one user. */
export class FakeGateway implements JiraServerGateway {
  callbacks: string[] = [];
  exchanges = 0;
  accessTokenAnswer: () => Promise<AccessTokenResult> = async () => ({ token: 'at-1', tokenSecret: 'at-secret-1', tokenExpiresAt: null });

  assertSecureBaseUrl(): void {}
  async requestToken(_consumer: OAuthConsumer, callback: string) {
    this.callbacks.push(callback);
    return {
      requestToken: { ...REQUEST_TOKEN, callbackConfirmed: true as const },
      authorizeUrl: `https://jira.example.com/authorize?oauth_token=${REQUEST_TOKEN.token}`,
    };
  }
  accessToken(_consumer: OAuthConsumer, _requestToken: TokenCredentials, _verifier: string): Promise<AccessTokenResult> {
    this.exchanges++;
    return this.accessTokenAnswer();
  }
  client(): JiraServerClient {
    const user = { key: 'k', name: 'svc', displayName: 'Service', emailAddress: null, active: true };
    const unused = () => Promise.reject(new Error('not used here'));
    return {
      myself: async () => user,
      findUser: unused,
      findUserWithGroups: unused,
      groupMembers: unused,
      getUserProperty: unused,
      setUserProperty: unused,
      deleteUserProperty: unused,
    };
  }
}

/** ConnectorService and ConnectorAuthorization on the fakes above, with an OAuth connector ready to authorize. */
export function connectorHarness() {
  const clock = new FixedClock(new Date('2026-11-23T12:00:00Z'));
  const connectors = new MemoryConnectors();
  const authorizations = new MemoryAuthorizations();
  const audit = new MemoryAuditLog();
  const gateway = new FakeGateway();
  const admins = { stillAdmin: true };
  let counter = 0;
  const random = { bytes: (n: number) => Buffer.alloc(n, ++counter) };
  const appBaseUrl = 'https://twofold.example.com';
  const keys = { generate: async () => ({ privateKeyPem: 'PRIVATE', publicKeyPem: '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n' }) };
  const service = new ConnectorService({ connectors, authorizations, gateway, keys, audit, clock, appBaseUrl });
  const authorization = new ConnectorAuthorization({
    service,
    connectors,
    authorizations,
    gateway,
    clock,
    random,
    appBaseUrl,
    stillAdmin: async () => admins.stillAdmin,
  });

  /** Saved settings and a key pair, as the admin leaves them before "Authorize". */
  function seedOAuth(): void {
    let state = configure(
      emptyConnectorState(),
      { baseUrl: 'https://jira.example.com/jira', authType: 'oauth1', consumerKey: 'twofold' },
      clock.now(),
      ADMIN,
    ).state;
    state = keysGenerated(
      state,
      { publicKeyPem: '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n', privateKeyPem: 'PRIVATE', fingerprint: 'f' },
      clock.now(),
      ADMIN,
    ).state;
    connectors.state = { ...state, version: 1 };
    connectors.secrets.privateKeyPem = 'PRIVATE';
  }

  /** Step 1 through the service; answers the one-time state the callback URL carries. */
  async function start(mode: 'callback' | 'oob' = 'callback'): Promise<string> {
    await authorization.start(TENANT.clientKey, ADMIN, mode);
    const callback = gateway.callbacks.at(-1)!;
    return mode === 'oob' ? '' : new URL(callback).searchParams.get('state')!;
  }

  /** The only attempt's row as stored. */
  function row(): { attempt: PendingAuthorization; secret: string | null } {
    return [...authorizations.rows.values()].at(-1)!;
  }

  function resetCalls(): void {
    connectors.calls = [];
    authorizations.calls = [];
  }

  return { clock, connectors, authorizations, audit, gateway, admins, service, authorization, seedOAuth, start, row, resetCalls };
}
