import { browserDecides } from '../../../support/fake-jira-browser';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { AxiosHttpTransport } from '../../../../src/adapters/http-transport/axios-transport';
import { HttpJiraServerClient, JiraServerOAuthDance, type CredentialsRejection, type JiraServerCredentials } from '../../../../src/adapters/jira-server';
import { isTwofoldError } from '../../../../src/domain/errors';
import { isOAuth1Error, parseAuthorizationCallback } from '../../../../src/domain/oauth1';
import type { Clock } from '../../../../src/domain/ports/clock';
import { FakeJiraServer, type FakeJiraOptions } from '../../../support/fake-jira-server';
import { consumerKeys } from './keys';

export const random = { bytes: (n: number) => randomBytes(n) };
export const systemClock: Clock = { now: () => new Date() };
export const transport = new AxiosHttpTransport();
export const CALLBACK = 'https://twofold.test/connector/oauth/callback';

/** A fake Jira with a linked consumer, a service user with a password, and a group; plus what the client reported. */
export class FakeJiraFixture {
  jira!: FakeJiraServer;
  rejections: CredentialsRejection[] = [];
  sleeps: number[] = [];

  async start(options: FakeJiraOptions = {}): Promise<void> {
    this.rejections = [];
    this.sleeps = [];
    this.jira = await FakeJiraServer.start({
      consumers: [{ consumerKey: 'twofold', publicKeyPem: consumerKeys.publicKeyPem }],
      users: [
        { key: 'JIRAUSER10000', name: 'svc-twofold', displayName: 'Twofold Service', password: 'correct horse', admin: true },
        { key: 'JIRAUSER10001', name: 'bob', displayName: 'Bob' },
        { key: 'JIRAUSER10002', name: 'carol', displayName: 'Carol', active: false },
        { key: 'alice', name: 'alice', displayName: 'Alice Ünicode' },
      ],
      groups: { 'jira-users': ['svc-twofold', 'bob', 'carol', 'alice'], empty: [] },
      ...options,
    });
  }

  stop(): Promise<void> {
    return this.jira.close();
  }

  client(credentials: JiraServerCredentials, clock: Clock = systemClock, extra: { pageSize?: number } = {}): HttpJiraServerClient {
    return new HttpJiraServerClient({
      baseUrl: this.jira.baseUrl,
      credentials,
      transport,
      clock,
      random,
      onCredentialsRejected: (rejection) => void this.rejections.push(rejection),
      sleep: async (ms) => void this.sleeps.push(ms),
      ...extra,
    });
  }

  dance(options: { consumerKey?: string; privateKeyPem?: string; clock?: Clock } = {}): JiraServerOAuthDance {
    return new JiraServerOAuthDance({
      baseUrl: this.jira.baseUrl,
      consumerKey: options.consumerKey ?? 'twofold',
      privateKeyPem: options.privateKeyPem ?? consumerKeys.privateKeyPem,
      transport,
      clock: options.clock ?? systemClock,
      random,
    });
  }

  /** The three steps through our code, the browser step through the fake's HTML page. */
  async authorize(): Promise<JiraServerCredentials & { type: 'oauth1' }> {
    const dance = this.dance();
    const { requestToken, authorizeUrl } = await dance.requestToken(CALLBACK);
    const callback = parseAuthorizationCallback((await browserDecides(authorizeUrl, 'allow')).searchParams, requestToken.token);
    assert.ok(!isOAuth1Error(callback));
    const access = await dance.accessToken(requestToken, callback.verifier);
    return { type: 'oauth1', consumerKey: 'twofold', privateKeyPem: consumerKeys.privateKeyPem, accessToken: access.token, tokenSecret: access.tokenSecret };
  }
}

export async function rejectsWith(promise: Promise<unknown>, code: string): Promise<Error & { problem?: string; retryAfterSeconds?: number }> {
  let caught: unknown;
  await promise.catch((error: unknown) => (caught = error));
  assert.ok(isTwofoldError(caught), `expected a TwofoldError ${code}, got ${String(caught)}`);
  assert.equal(caught.code, code, caught.message);
  return caught;
}

export { browserDecides };
