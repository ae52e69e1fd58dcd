import assert from 'node:assert/strict';
import { QueryTypes } from 'sequelize';
import type { Clock } from '../../../src/domain/ports/clock';
import type { DatabaseLane, TestDatabase } from '../../support/database-lanes';
import { browserDecides } from '../../support/fake-jira-browser';
import { FakeJiraServer, type FakeJiraOptions } from '../../support/fake-jira-server';
import { ALICE_ADMIN, startTestApp, type StartOptions, type TestApp, type TestResponse } from '../../support/test-app';

export const CONNECTOR = '/api/v1/admin/connector';

/** Real time moved by hand: the fake Jira checks OAuth timestamps against the real clock. */
export class OffsetClock implements Clock {
  offsetMs = 0;
  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }
}

export const SERVICE_USER = { key: 'JIRAUSER10000', name: 'svc-twofold', displayName: 'Twofold Service', password: 'correct horse battery', admin: true };

/**
 * The whole app on one database lane, installed in the sandbox, plus a fake Jira Server with no consumer
 * yet. The clock is made in {@link start}, not when the test file loads: the sandbox signs the install
 * hook with the app's clock and ACE checks it against real time, so a frozen clock made minutes earlier
 * (while other files ran) would make the install fail.
 */
export class ConnectorScenario<C extends Clock = OffsetClock> {
  database!: TestDatabase;
  app!: TestApp;
  jira!: FakeJiraServer;
  clock!: C;
  constructor(
    private readonly lane: DatabaseLane,
    private readonly makeClock: () => C = () => new OffsetClock() as unknown as C,
  ) {}

  /** `appOptions`: more for the app (a logger, `SMTP_URL`); its clock is always this scenario's. */
  async start(jiraOptions: FakeJiraOptions = {}, appOptions: Pick<StartOptions, 'overrides' | 'env' | 'masterKey'> = {}): Promise<void> {
    this.clock = this.makeClock();
    this.database = await this.lane.create();
    this.app = await startTestApp({ ...appOptions, databaseUrl: this.database.url, overrides: { ...appOptions.overrides, clock: this.clock } });
    await this.app.install();
    this.jira = await FakeJiraServer.start({
      users: [SERVICE_USER, { key: 'JIRAUSER10001', name: 'bob', displayName: 'Bob Builder', password: 'bobs password' }],
      groups: { 'jira-users': ['svc-twofold', 'bob'] },
      ...jiraOptions,
    });
  }

  async stop(): Promise<void> {
    await this.jira?.close();
    await this.app?.close();
    await this.database?.drop();
  }

  /** The 2FA session credential of Alice's browser, sent with every call once she verified. */
  sessionToken: string | undefined;

  /** An admin API call as Alice (or `accountId`), from her browser. */
  call(method: string, path: string, body?: unknown, accountId: string = ALICE_ADMIN.accountId): Promise<TestResponse> {
    const headers: Record<string, string> = this.sessionToken === undefined ? {} : { 'X-Twofold-Session': this.sessionToken };
    return this.app.request(method, path, { token: this.app.contextToken(accountId), headers, ...(body === undefined ? {} : { body }) });
  }

  async view(): Promise<Record<string, any>> {
    const response = await this.call('GET', CONNECTOR);
    assert.equal(response.status, 200, response.text);
    return response.json();
  }

  /** Settings, a key pair, and the Application Link in the fake Jira with the public key the API shows. */
  async configureOAuth(consumerKey = 'twofold'): Promise<Record<string, any>> {
    const saved = await this.call('PUT', CONNECTOR, { baseUrl: this.jira.baseUrl, authType: 'oauth1', consumerKey });
    assert.equal(saved.status, 200, saved.text);
    const keys = await this.call('POST', `${CONNECTOR}/keys`);
    assert.equal(keys.status, 201, keys.text);
    const view = await this.view();
    this.jira.addConsumer(consumerKey, view.publicKeyBase64);
    return view;
  }

  /** Step 1 through the API; returns Jira's authorize URL. */
  async startAuthorization(body: unknown = {}): Promise<string> {
    const started = await this.call('POST', `${CONNECTOR}/authorize`, body);
    assert.equal(started.status, 200, started.text);
    return started.json().authorizeUrl;
  }

  /** The admin's browser: Jira's authorize page, Allow or Deny, and the redirect Jira answers with. */
  async decide(authorizeUrl: string, decision: 'allow' | 'deny'): Promise<string> {
    return (await browserDecides(authorizeUrl, decision)).toString();
  }

  /** The browser arriving at Twofold's callback, as a person (HTML). */
  async followCallback(url: string): Promise<{ status: number; html: string; message: string; code: string | null; outcome: string | null }> {
    const response = await fetch(url, { headers: { Accept: 'text/html' }, redirect: 'manual' });
    const html = await response.text();
    const message = /data-testid="callback-message">([^<]*)</.exec(html)?.[1] ?? '';
    // The stable parts of the page, for assertions: the outcome and the error code it shows.
    const code = /Code <code>([^<]*)<\/code>/.exec(html)?.[1] ?? null;
    const outcome = /data-outcome="([^"]*)"/.exec(html)?.[1] ?? null;
    return { status: response.status, html, message: decodeEntities(message), code, outcome };
  }

  /** The whole dance: start, Allow, callback. */
  async authorize(): Promise<{ status: number; html: string; message: string; callbackUrl: string }> {
    const callbackUrl = await this.decide(await this.startAuthorization(), 'allow');
    return { ...(await this.followCallback(callbackUrl)), callbackUrl };
  }

  /** How many requests reached the fake Jira at paths ending so. */
  jiraCalls(pathSuffix: string): number {
    return this.jira.requests.filter((r) => r.path.endsWith(pathSuffix)).length;
  }

  async audit(): Promise<Array<Record<string, any>>> {
    const response = await this.call('GET', '/api/v1/admin/audit');
    assert.equal(response.status, 200, response.text);
    const body = response.json();
    return body.entries ?? body.events ?? body;
  }

  /** Every row of every table, as text: what someone who copies the database file would read. */
  async databaseText(): Promise<string> {
    const { sequelize, dialect } = this.app.twofold.database;
    const tables =
      dialect === 'postgres'
        ? (
            await sequelize.query<{ name: string }>('SELECT tablename AS name FROM pg_tables WHERE schemaname = current_schema()', { type: QueryTypes.SELECT })
          ).map((t) => t.name)
        : (await sequelize.query<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'", { type: QueryTypes.SELECT })).map((t) => t.name);
    assert.ok(tables.includes('connectors') && tables.includes('connector_authorizations'));
    const dump: string[] = [];
    for (const table of tables) {
      const rows = await sequelize.query(`SELECT * FROM ${sequelize.getQueryInterface().quoteIdentifier(table)}`, { type: QueryTypes.SELECT });
      dump.push(`${table}: ${JSON.stringify(rows)}`);
    }
    return dump.join('\n');
  }
}

export function errorCode(response: TestResponse): string {
  return response.json().error?.code;
}

function decodeEntities(text: string): string {
  return text
    .replace(/&#x27;|&#39;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&#x3D;/g, '=')
    .replace(/&#x60;/g, '`');
}

/** Fields of the GET answer that would be a leak if they ever appeared. */
export const SECRET_FIELDS = ['privateKey', 'privateKeyPem', 'accessToken', 'tokenSecret', 'secret', 'password', 'basicSecret'];

export function assertNoSecretFields(value: unknown, path = '$'): void {
  if (value === null || typeof value !== 'object') return;
  for (const [key, inner] of Object.entries(value)) {
    assert.ok(!SECRET_FIELDS.includes(key), `${path}.${key} must not be in an answer`);
    assertNoSecretFields(inner, `${path}.${key}`);
  }
}
