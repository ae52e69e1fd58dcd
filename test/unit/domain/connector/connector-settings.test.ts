import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import {
  attemptRefusal,
  attemptState,
  AUTHORIZATION_TTL_MS,
  CLAIM_ABANDONED_AFTER_MS,
  hashState,
  newAuthorizationState,
  type PendingAuthorization,
} from '../../../../src/domain/connector/authorization-state';
import { assertConsumerKey, consumerNameFor } from '../../../../src/domain/connector/connector-settings';
import { normalizeJiraBaseUrl as normalizeBaseUrl } from '../../../../src/domain/oauth1';
import { publicKeyBase64, publicKeyFingerprint } from '../../../../src/domain/connector/public-key';

describe('connector settings, keys and one-time states', () => {
  it('accepts consumer keys of letters, digits, "-", "_" and "." only', () => {
    for (const key of ['twofold', 'Twofold-Prod_2.0', 'a']) assert.equal(assertConsumerKey(key), key);
    for (const key of ['', 'two fold', 'twofold!', 'twö', 'a/b', 'x'.repeat(201)])
      assert.throws(() => assertConsumerKey(key), { code: 'invalid_consumer_key' });
  });

  it("normalises the base URL like Jira's Base URL setting: context path kept, trailing slash, default port and case of the host dropped", () => {
    assert.equal(normalizeBaseUrl('https://Jira.Example.com:443/Jira/'), 'https://jira.example.com/Jira');
    assert.equal(normalizeBaseUrl(' http://127.0.0.1:8080 '), 'http://127.0.0.1:8080');
    for (const bad of [
      'jira.example.com',
      'ftp://jira.example.com',
      'https://u:p@jira.example.com',
      'https://jira.example.com/?a=1',
      'https://jira.example.com/#x',
    ]) {
      assert.throws(() => normalizeBaseUrl(bad), { code: 'invalid_request' }, bad);
    }
  });

  it('names the consumer after the Jira Cloud site', () => {
    assert.equal(consumerNameFor('https://acme.atlassian.net'), 'Twofold (acme.atlassian.net)');
  });

  it('gives the public key as the bare base64 DER that Jira takes, and an SSH-style fingerprint', () => {
    const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const der = publicKey.export({ type: 'spki', format: 'der' });
    assert.equal(publicKeyBase64(pem), der.toString('base64'));
    assert.equal(publicKeyBase64(pem.replace(/\n/g, '\r\n')), der.toString('base64'));
    assert.match(publicKeyFingerprint(pem), /^SHA256:[A-Za-z0-9+/]{43}$/);
    assert.throws(() => publicKeyBase64('-----BEGIN RSA PRIVATE KEY-----\nAA\n-----END RSA PRIVATE KEY-----'));
  });

  it('makes 256-bit states, stores only their SHA-256, and refuses anything else as unknown', () => {
    const random = { bytes: (n: number) => Buffer.alloc(n, 7) };
    const { state, stateHash } = newAuthorizationState(random);
    assert.match(state, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(hashState(state), stateHash);
    assert.notEqual(stateHash, state);
    assert.equal(hashState(`${state}x`), null);
    assert.equal(hashState("' OR 1=1 --"), null);
  });

  it('refuses unknown, replayed, superseded and expired attempts', () => {
    const now = new Date('2026-11-23T12:00:00Z');
    const open: PendingAuthorization = {
      stateHash: 'h',
      tenant: 't',
      adminAccountId: 'a',
      mode: 'callback',
      requestToken: 'rt',
      settingsFingerprint: 'f',
      createdAt: now,
      expiresAt: new Date(now.getTime() + AUTHORIZATION_TTL_MS),
      endedAt: null,
      outcome: null,
    };
    assert.equal(AUTHORIZATION_TTL_MS, 600_000);
    assert.equal(attemptRefusal(open, now), null);
    assert.equal(attemptState(open, now), 'pending');
    assert.equal(attemptRefusal(null, now), 'unknown');
    assert.equal(attemptRefusal({ ...open, endedAt: now }, now), 'replayed');
    assert.equal(attemptState({ ...open, endedAt: now }, now), 'in_progress');
    // A claim that never got an outcome (the instance stopped midway) does not keep the page waiting for ever.
    assert.equal(attemptState({ ...open, endedAt: now }, new Date(now.getTime() + CLAIM_ABANDONED_AFTER_MS - 1)), 'in_progress');
    assert.equal(attemptState({ ...open, endedAt: now }, new Date(now.getTime() + CLAIM_ABANDONED_AFTER_MS)), 'expired');
    assert.equal(attemptRefusal({ ...open, endedAt: now, outcome: { kind: 'completed', code: null, message: null } }, now), 'replayed');
    assert.equal(attemptRefusal({ ...open, endedAt: now, outcome: { kind: 'superseded', code: null, message: null } }, now), 'superseded');
    assert.equal(attemptRefusal(open, open.expiresAt), 'expired');
    assert.equal(attemptState(open, open.expiresAt), 'expired');
  });
});
