import assert from 'node:assert/strict';
import { isTwofoldError } from '../../../../src/domain/errors';
import { ADMIN, connectorHarness, REQUEST_TOKEN, TENANT } from './connector-harness';

/**
 * The connector's services on in-memory repositories: how an authorization attempt ends whatever goes
 * wrong once it is claimed, and how many reads and writes a callback or a change costs.
 */
describe('connector authorization (domain, in memory)', () => {
  const callbackQuery = (state: string, verifier = 'verifier-1') => ({ state, oauth_token: REQUEST_TOKEN.token, oauth_verifier: verifier });
  const failures = (h: ReturnType<typeof connectorHarness>) =>
    h.audit.entries.filter((e) => e.action === 'connector.authorization_failed').map((e) => e.detail);

  it('a callback reads the attempt once and the connector once: the claim answers the request token secret, the end is one write', async () => {
    const h = connectorHarness();
    h.seedOAuth();
    const state = await h.start();
    h.resetCalls();
    const result = await h.authorization.completeCallback(callbackQuery(state));
    assert.deepEqual(result, { ok: true, user: { name: 'svc', displayName: 'Service' }, testMessage: null });
    assert.deepEqual(h.authorizations.calls, ['findByStateHash', 'claim', 'finish']);
    // Step 3: one read and the save; then the first test (a read with secrets, and the recorded result).
    assert.deepEqual(h.connectors.calls, ['findWithSecrets', 'save', 'findWithSecrets', 'find', 'save']);
    assert.equal(h.row().attempt.outcome?.kind, 'completed');
    assert.equal(h.row().secret, null, 'the request token secret is erased');
  });

  it('a verifier of blanks is no verifier: the attempt ends failed (audited), and step 3 is not tried', async () => {
    const h = connectorHarness();
    h.seedOAuth();
    const state = await h.start();
    const result = await h.authorization.completeCallback(callbackQuery(state, ' \t '));
    assert.equal(result.ok, false);
    assert.equal(!result.ok && result.code, 'authorization_state_invalid');
    assert.equal(h.gateway.exchanges, 0);
    assert.deepEqual(h.row().attempt.outcome, { kind: 'failed', code: 'authorization_state_invalid', message: !result.ok ? result.message : '' });
    assert.equal(h.row().secret, null);
    assert.deepEqual(failures(h), [{ step: 'callback', errorCode: 'authorization_state_invalid' }]);
  });

  it('an unexpected error in step 3 ends the attempt as internal_error (cause kept, audited, secret erased) before it is thrown', async () => {
    const h = connectorHarness();
    h.seedOAuth();
    const state = await h.start();
    const boom = new Error('signing failed');
    h.gateway.accessTokenAnswer = () => Promise.reject(boom);
    let thrown: unknown;
    await h.authorization.completeCallback(callbackQuery(state)).catch((error: unknown) => (thrown = error));
    assert.ok(isTwofoldError(thrown) && thrown.code === 'internal_error', String(thrown));
    assert.equal(thrown.cause, boom);
    assert.equal(h.row().attempt.outcome?.kind, 'failed');
    assert.equal(h.row().attempt.outcome?.code, 'internal_error');
    assert.equal(h.row().secret, null);
    assert.deepEqual(failures(h), [{ step: 'access_token', errorCode: 'internal_error' }]);
    assert.equal(h.connectors.state?.hasAccessToken, false, 'nothing was authorized');
    const replay = await h.authorization.completeCallback(callbackQuery(state));
    assert.equal(!replay.ok && replay.reason, 'replayed');
  });

  it('a claim that took the attempt and then failed (a secret that does not unseal) ends it the same way', async () => {
    const h = connectorHarness();
    h.seedOAuth();
    const state = await h.start();
    h.authorizations.claimFailure = new Error('sealed value does not open');
    await assert.rejects(h.authorization.completeCallback(callbackQuery(state)), { code: 'internal_error' });
    assert.deepEqual(h.row().attempt.outcome?.code, 'internal_error');
    assert.equal(h.gateway.exchanges, 0);
    assert.deepEqual(failures(h), [{ step: 'access_token', errorCode: 'internal_error' }]);
  });

  it('the pasted oob verifier: an unexpected error ends the attempt too', async () => {
    const h = connectorHarness();
    h.seedOAuth();
    await h.start('oob');
    h.gateway.accessTokenAnswer = () => Promise.reject(new TypeError('unexpected'));
    await assert.rejects(h.authorization.submitVerifier(TENANT.clientKey, ADMIN, 'v'), { code: 'internal_error' });
    assert.equal(h.row().attempt.outcome?.code, 'internal_error');
    await assert.rejects(h.authorization.submitVerifier(TENANT.clientKey, ADMIN, 'v'), { code: 'authorization_state_invalid' });
  });

  it('an admin who lost Jira admin rights meanwhile: the attempt is claimed, ended failed with the reason, and audited', async () => {
    const h = connectorHarness();
    h.seedOAuth();
    const state = await h.start();
    h.admins.stillAdmin = false;
    const result = await h.authorization.completeCallback(callbackQuery(state));
    assert.equal(!result.ok && result.code, 'not_admin');
    assert.equal(h.gateway.exchanges, 0);
    const { outcome, endedAt } = h.row().attempt;
    assert.equal(outcome?.kind, 'failed');
    assert.equal(outcome?.code, 'not_admin');
    assert.ok(endedAt !== null);
    assert.equal(h.row().secret, null);
    assert.deepEqual(failures(h), [{ step: 'callback', errorCode: 'not_admin' }]);
    const replay = await h.authorization.completeCallback(callbackQuery(state));
    assert.equal(!replay.ok && replay.reason, 'replayed');
  });
});

describe('connector service (domain, in memory)', () => {
  it('configure answers the state it saved, without reading the connector again', async () => {
    const h = connectorHarness();
    const view = await h.service.configure(TENANT, ADMIN, { baseUrl: 'https://jira.example.com/jira/', authType: 'oauth1', consumerKey: 'twofold' });
    assert.equal(view.baseUrl, 'https://jira.example.com/jira');
    assert.equal(view.consumerKey, 'twofold');
    assert.deepEqual(h.connectors.calls, ['find', 'save']);
    assert.deepEqual(h.authorizations.calls, ['latest']);
  });

  it('forgetting when nothing is held writes nothing and audits nothing; a held token is forgotten once', async () => {
    const h = connectorHarness();
    await h.service.forgetToken(TENANT, ADMIN);
    assert.deepEqual(h.connectors.calls, ['find']);
    h.seedOAuth();
    const state = await h.start();
    assert.equal((await h.authorization.completeCallback({ state, oauth_token: REQUEST_TOKEN.token, oauth_verifier: 'v' })).ok, true);
    const forgotten = () => h.audit.entries.filter((e) => e.action === 'connector.token_forgotten').length;
    await h.service.forgetToken(TENANT, ADMIN);
    const version = h.connectors.state!.version;
    await h.service.forgetToken(TENANT, ADMIN);
    assert.equal(forgotten(), 1);
    assert.equal(h.connectors.state!.version, version, 'the second one wrote nothing');
    assert.equal(h.connectors.state!.hasAccessToken, false);
  });
});
