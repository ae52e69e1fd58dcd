import assert from 'node:assert/strict';
import { connectorStatus, emptyConnectorState, tokenExpiresSoon, type ConnectorState } from '../../../../src/domain/connector/connector-state';
import { authorized, configure, credentialsRejected, keysGenerated, tested, tokenForgotten } from '../../../../src/domain/connector/connector-transitions';

const AT = new Date('2026-11-23T12:00:00Z');
const ADMIN = 'admin-1';
const KEYS = { publicKeyPem: '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n', privateKeyPem: 'PRIVATE', fingerprint: 'SHA256:x' };
const GRANT = { accessToken: 'at', tokenSecret: 'ts', tokenExpiresAt: new Date(AT.getTime() + 5 * 365 * 86_400_000), mode: 'callback' as const };
const OAUTH = { baseUrl: 'https://jira.example.com/jira', authType: 'oauth1' as const, consumerKey: 'twofold' };

/** Applies transitions as the service would (version bumps aside). */
function connected(): ConnectorState {
  let state = configure(emptyConnectorState(), OAUTH, AT, ADMIN).state;
  state = keysGenerated(state, KEYS, AT, ADMIN).state;
  return authorized(state, GRANT, AT, ADMIN).state;
}

describe('connector state machine', () => {
  it('walks unconfigured → awaiting_authorization → connected', () => {
    const empty = emptyConnectorState();
    assert.equal(connectorStatus(empty, AT), 'unconfigured');
    const configured = configure(empty, OAUTH, AT, ADMIN);
    assert.equal(connectorStatus(configured.state, AT), 'unconfigured', 'no key yet');
    assert.equal(configured.audit?.action, 'connector.configured');
    const keyed = keysGenerated(configured.state, KEYS, AT, ADMIN);
    assert.deepEqual(keyed.secrets, { privateKeyPem: 'PRIVATE' });
    assert.equal(connectorStatus(keyed.state, AT), 'awaiting_authorization');
    const done = authorized(keyed.state, GRANT, AT, ADMIN);
    assert.deepEqual(done.secrets, { accessToken: 'at', tokenSecret: 'ts' });
    assert.equal(connectorStatus(done.state, AT), 'connected');
    assert.equal(done.state.authorizedBy, ADMIN);
  });

  it('never puts a secret into the audit detail', () => {
    const state = connected();
    const entries = [
      configure(state, { ...OAUTH, authType: 'basic', username: 'svc', secret: 'hunter2' }, AT, ADMIN).audit,
      keysGenerated(state, KEYS, AT, ADMIN).audit,
      authorized(state, GRANT, AT, ADMIN).audit,
      tokenForgotten(state, AT, ADMIN)!.audit,
    ];
    const text = JSON.stringify(entries);
    for (const secret of ['hunter2', 'PRIVATE', '"at"', '"ts"']) assert.ok(!text.includes(secret), secret);
  });

  it('voids the token on another base URL, consumer key, authentication type or key pair, but not on the same settings', () => {
    const state = connected();
    assert.equal(configure(state, OAUTH, AT, ADMIN).state, state, 'same settings: no change at all');
    for (const change of [{ baseUrl: 'https://jira2.example.com' }, { consumerKey: 'other' }]) {
      const next = configure(state, { ...OAUTH, ...change }, AT, ADMIN);
      assert.deepEqual(next.secrets, { accessToken: null, tokenSecret: null });
      assert.equal(connectorStatus(next.state, AT), 'awaiting_authorization');
      assert.equal(next.audit?.detail['tokenVoided'], true);
      assert.ok(next.state.generation > state.generation);
    }
    const rekeyed = keysGenerated(state, KEYS, AT, ADMIN);
    assert.equal(rekeyed.secrets.accessToken, null);
    assert.equal(connectorStatus(rekeyed.state, AT), 'awaiting_authorization');
    const basic = configure(state, { baseUrl: OAUTH.baseUrl, authType: 'basic', username: 'svc', secret: 'pw' }, AT, ADMIN);
    assert.equal(basic.secrets.accessToken, null);
    assert.equal(basic.secrets.basicSecret, 'pw');
  });

  it('Basic: needs the password first, and again for another address or user', () => {
    const basic = { baseUrl: 'https://jira.example.com', authType: 'basic' as const, username: 'svc' };
    assert.throws(() => configure(emptyConnectorState(), basic, AT, ADMIN), { code: 'invalid_request' });
    const saved = configure(emptyConnectorState(), { ...basic, secret: 'pw' }, AT, ADMIN).state;
    assert.equal(connectorStatus(saved, AT), 'connected');
    assert.equal(configure(saved, basic, AT, ADMIN).state, saved);
    assert.throws(() => configure(saved, { ...basic, baseUrl: 'https://evil.example.com' }, AT, ADMIN), { code: 'invalid_request' });
    assert.throws(() => configure(saved, { ...basic, username: 'root' }, AT, ADMIN), { code: 'invalid_request' });
    assert.throws(() => configure(emptyConnectorState(), { ...basic, username: 'a:b', secret: 'pw' }, AT, ADMIN), { code: 'invalid_request' });
  });

  it('OAuth needs a consumer key', () => {
    assert.throws(() => configure(emptyConnectorState(), { baseUrl: OAUTH.baseUrl, authType: 'oauth1' }, AT, ADMIN), { code: 'invalid_consumer_key' });
  });

  it('a rejection of the current credentials marks needs_reauthorization and erases a dead token; a late one of old credentials is ignored', () => {
    const state = connected();
    const rejection = { code: 'token_rejected' as const, problem: 'token_revoked', status: 401, message: 'revoked' };
    const marked = credentialsRejected(state, state.generation, rejection, AT);
    assert.ok(marked);
    assert.equal(connectorStatus(marked.state, AT), 'needs_reauthorization');
    assert.deepEqual(marked.secrets, { accessToken: null, tokenSecret: null });
    assert.equal(marked.audit?.action, 'connector.token_rejected');
    assert.equal(credentialsRejected(marked.state, state.generation, rejection, AT), null, 'marked once');
    assert.equal(credentialsRejected(state, state.generation - 1, rejection, AT), null, 'old credentials');
    const healed = authorized(marked.state, GRANT, AT, ADMIN).state;
    assert.equal(connectorStatus(healed, AT), 'connected');
  });

  it('a Basic rejection keeps the password but refuses until it is saved again', () => {
    const saved = configure(emptyConnectorState(), { baseUrl: 'https://jira.example.com', authType: 'basic', username: 'svc', secret: 'pw' }, AT, ADMIN).state;
    const marked = credentialsRejected(saved, saved.generation, { code: 'unauthorized', problem: null, status: 401, message: 'wrong' }, AT)!;
    assert.deepEqual(marked.secrets, {});
    assert.equal(connectorStatus(marked.state, AT), 'needs_reauthorization');
    const again = configure(marked.state, { baseUrl: 'https://jira.example.com', authType: 'basic', username: 'svc', secret: 'pw2' }, AT, ADMIN).state;
    assert.equal(connectorStatus(again, AT), 'connected');
  });

  it('a failed test of working credentials shows error until a test succeeds; a result for old credentials is dropped', () => {
    const state = connected();
    const failed = tested(state, state.generation, { ok: false, code: 'timestamp_refused', message: 'clock', credentialsRejected: false }, AT)!;
    assert.equal(connectorStatus(failed, AT), 'error');
    const ok = tested(failed, state.generation, { ok: true, user: { name: 'svc', displayName: 'Svc' } }, AT)!;
    assert.equal(connectorStatus(ok, AT), 'connected');
    assert.deepEqual(ok.lastTest?.user, { name: 'svc', displayName: 'Svc' });
    assert.equal(tested(state, state.generation + 1, { ok: true, user: { name: 'x', displayName: 'x' } }, AT), null);
  });

  it('an expired token needs reauthorization; the warning starts 30 days before', () => {
    const state = connected();
    const end = state.tokenExpiresAt!.getTime();
    assert.equal(tokenExpiresSoon(state, new Date(end - 31 * 86_400_000)), false);
    assert.equal(tokenExpiresSoon(state, new Date(end - 30 * 86_400_000)), true);
    assert.equal(connectorStatus(state, new Date(end - 1)), 'connected');
    assert.equal(connectorStatus(state, new Date(end)), 'needs_reauthorization');
  });

  it('forgetting the token goes back to awaiting_authorization; for Basic it erases the password', () => {
    const forgotten = tokenForgotten(connected(), AT, ADMIN)!;
    assert.deepEqual(forgotten.secrets, { accessToken: null, tokenSecret: null });
    assert.equal(connectorStatus(forgotten.state, AT), 'awaiting_authorization');
    const basic = configure(emptyConnectorState(), { baseUrl: 'https://jira.example.com', authType: 'basic', username: 'svc', secret: 'pw' }, AT, ADMIN).state;
    const erased = tokenForgotten(basic, AT, ADMIN)!;
    assert.deepEqual(erased.secrets, { basicSecret: null });
    assert.equal(connectorStatus(erased.state, AT), 'unconfigured');
  });

  it('forgetting when nothing is held changes nothing (no write, no audit entry); a reported refusal is still cleared', () => {
    assert.equal(tokenForgotten(emptyConnectorState(), AT, ADMIN), null);
    const forgotten = tokenForgotten(connected(), AT, ADMIN)!.state;
    assert.equal(tokenForgotten(forgotten, AT, ADMIN), null, 'forgotten twice');
    const rejection = { code: 'token_rejected' as const, problem: 'token_revoked', status: 401, message: 'revoked' };
    const rejected = credentialsRejected(connected(), connected().generation, rejection, AT)!.state;
    const cleared = tokenForgotten(rejected, AT, ADMIN)!;
    assert.equal(connectorStatus(cleared.state, AT), 'awaiting_authorization');
    assert.equal(cleared.audit?.detail['hadCredentials'], false, 'the dead token was erased already');
  });
});
