import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import * as jwt from 'atlassian-jwt';
import { ConnectJwtVerifier, type VerifiableRequest } from '../../../../src/adapters/connect/connect-jwt-verifier';
import { CONTEXT_QSH, queryStringHash } from '../../../../src/adapters/connect/query-string-hash';
import { TwofoldError, type ErrorCode } from '../../../../src/domain/errors';
import { FixedClock } from '../../../../src/domain/ports/clock';
import { TenantCache } from '../../../../src/domain/tenancy/tenant-cache';
import { FakeTenantRepository, tenant } from '../../domain/tenancy/fake-tenant-repository';

const APP_BASE_URL = 'https://twofold.example.com';
const NOW = new Date('2025-06-01T12:00:00Z');
const nowSeconds = Math.floor(NOW.getTime() / 1000);
const ME: VerifiableRequest = { method: 'GET', pathAndQuery: '/api/v1/me?expand=methods' };
const API = { allowContextQsh: true };
const PAGE = { allowContextQsh: false };

const base64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

function claims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { iss: 'jira-1', sub: 'account-alice', qsh: CONTEXT_QSH, iat: nowSeconds - 10, exp: nowSeconds + 170, ...overrides };
}

function sign(payload: Record<string, unknown>, secret = 'secret-of-jira-1'): string {
  return jwt.encodeSymmetric(payload, secret, jwt.SymmetricAlgorithm.HS256);
}

function qshOf(request: VerifiableRequest): string {
  return queryStringHash({ method: request.method, pathAndQuery: request.pathAndQuery, baseUrl: APP_BASE_URL });
}

async function refusedWith(promise: Promise<unknown>, code: ErrorCode): Promise<TwofoldError> {
  const error = await promise.then(
    () => assert.fail(`expected ${code}, but the token was accepted`),
    (e: unknown) => e,
  );
  assert.ok(error instanceof TwofoldError, `expected a TwofoldError, got ${String(error)}`);
  assert.equal(error.code, code, error.message);
  return error;
}

describe('ConnectJwtVerifier', () => {
  let repository: FakeTenantRepository;
  let clock: FixedClock;
  let verifier: ConnectJwtVerifier;

  beforeEach(() => {
    repository = new FakeTenantRepository();
    repository.install(tenant('jira-1'));
    repository.install(tenant('jira-2'));
    clock = new FixedClock(NOW);
    verifier = new ConnectJwtVerifier(new TenantCache(repository, clock, { ttlSeconds: 30 }), clock, APP_BASE_URL);
  });

  describe('accepts', () => {
    it('a context token (qsh "context-qsh") on an API call', async () => {
      const principal = await verifier.verify(sign(claims()), ME, API);
      assert.equal(principal.accountId, 'account-alice');
      assert.equal(principal.tenant.clientKey, 'jira-1');
      assert.equal(principal.tenant.baseUrl, 'https://jira-1.atlassian.net');
    });

    it("a token with the request's real qsh, on a page and on an API call", async () => {
      const token = sign(claims({ qsh: qshOf(ME) }));
      assert.equal((await verifier.verify(token, ME, PAGE)).accountId, 'account-alice');
      assert.equal((await verifier.verify(token, ME, API)).accountId, 'account-alice');
    });

    it('a page request whose jwt parameter is part of the URL (the qsh leaves it out)', async () => {
      const path = '/pages/policy?lic=none&cp=%2Fjira&xdm_e=https%3A%2F%2Fjira-1.atlassian.net';
      const token = sign(claims({ qsh: qshOf({ method: 'GET', pathAndQuery: path }) }));
      const principal = await verifier.verify(token, { method: 'GET', pathAndQuery: `${path}&jwt=${token}` }, PAGE);
      assert.equal(principal.accountId, 'account-alice');
    });

    it('a token that expired less than 30 s ago (clock skew)', async () => {
      await verifier.verify(sign(claims({ exp: nowSeconds - 29 })), ME, API);
    });

    it('the user from context.user.accountId when sub is absent', async () => {
      const principal = await verifier.verify(sign(claims({ sub: undefined, context: { user: { accountId: 'account-bob' } } })), ME, API);
      assert.equal(principal.accountId, 'account-bob');
    });

    it('a new sharedSecret from a reinstall on another instance, at once', async () => {
      await verifier.verify(sign(claims()), ME, API); // caches the old secret
      repository.install(tenant('jira-1', 'secret-after-reinstall'));
      clock.advance(1_000);
      const principal = await verifier.verify(sign(claims(), 'secret-after-reinstall'), ME, API);
      assert.equal(principal.tenant.sharedSecret, 'secret-after-reinstall');
    });
  });

  describe('refuses', () => {
    it('a token issued for another request (wrong qsh) → unauthenticated', async () => {
      const token = sign(claims({ qsh: qshOf(ME) }));
      await refusedWith(verifier.verify(token, { method: 'GET', pathAndQuery: '/api/v1/admin/policy' }, API), 'unauthenticated');
      await refusedWith(verifier.verify(token, { method: 'DELETE', pathAndQuery: ME.pathAndQuery }, API), 'unauthenticated');
      await refusedWith(verifier.verify(token, { method: 'GET', pathAndQuery: '/api/v1/me?expand=everything' }, API), 'unauthenticated');
    });

    it('a token without qsh → unauthenticated', async () => {
      await refusedWith(verifier.verify(sign(claims({ qsh: undefined })), ME, API), 'unauthenticated');
    });

    it('a context token where it is not allowed (a page) → unauthenticated', async () => {
      await refusedWith(verifier.verify(sign(claims()), ME, PAGE), 'unauthenticated');
    });

    it('an expired token, beyond the 30 s skew → token_expired', async () => {
      await refusedWith(verifier.verify(sign(claims({ exp: nowSeconds - 30 })), ME, API), 'token_expired');
      await refusedWith(verifier.verify(sign(claims({ exp: nowSeconds - 3600 })), ME, API), 'token_expired');
    });

    it('a token used again after it expired (its tenant still cached) → token_expired', async () => {
      const token = sign(claims({ exp: nowSeconds + 60 }));
      await verifier.verify(token, ME, API);
      clock.advance(90_000);
      await refusedWith(verifier.verify(token, ME, API), 'token_expired');
    });

    it('a token without exp → unauthenticated', async () => {
      await refusedWith(verifier.verify(sign(claims({ exp: undefined })), ME, API), 'unauthenticated');
    });

    it('a token not valid yet, or issued in the future, beyond the skew → unauthenticated', async () => {
      await refusedWith(verifier.verify(sign(claims({ nbf: nowSeconds + 31 })), ME, API), 'unauthenticated');
      await refusedWith(verifier.verify(sign(claims({ iat: nowSeconds + 31 })), ME, API), 'unauthenticated');
      await verifier.verify(sign(claims({ nbf: nowSeconds + 29, iat: nowSeconds + 29 })), ME, API);
    });

    it('alg "none" → unauthenticated, without reading any tenant', async () => {
      const unsigned = `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url(claims())}.`;
      await refusedWith(verifier.verify(unsigned, ME, API), 'unauthenticated');
      const noneWithSignature = `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url(claims())}.${sign(claims()).split('.')[2]}`;
      await refusedWith(verifier.verify(noneWithSignature, ME, API), 'unauthenticated');
      assert.equal(repository.reads, 0);
    });

    it('RS256 (and any algorithm but HS256) → unauthenticated', async () => {
      const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const rs256 = jwt.encodeAsymmetric(claims(), privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), jwt.AsymmetricAlgorithm.RS256);
      await refusedWith(verifier.verify(rs256, ME, API), 'unauthenticated');
      const hs512 = jwt.encodeSymmetric(claims(), 'secret-of-jira-1', jwt.SymmetricAlgorithm.HS512);
      await refusedWith(verifier.verify(hs512, ME, API), 'unauthenticated');
      assert.equal(repository.reads, 0);
    });

    it('a token of a tenant that is not installed → unknown_tenant', async () => {
      await refusedWith(verifier.verify(sign(claims({ iss: 'jira-unknown' })), ME, API), 'unknown_tenant');
      repository.installed.delete('jira-2');
      await refusedWith(verifier.verify(sign(claims({ iss: 'jira-2' }), 'secret-of-jira-2'), ME, API), 'unknown_tenant');
    });

    it('a token without iss → unauthenticated', async () => {
      await refusedWith(verifier.verify(sign(claims({ iss: undefined })), ME, API), 'unauthenticated');
      await refusedWith(verifier.verify(sign(claims({ iss: '' })), ME, API), 'unauthenticated');
    });

    it('a wrong signature → unauthenticated', async () => {
      await refusedWith(verifier.verify(sign(claims(), 'not-the-secret'), ME, API), 'unauthenticated');
      // Another tenant's secret does not open this tenant's door.
      await refusedWith(verifier.verify(sign(claims({ iss: 'jira-1' }), 'secret-of-jira-2'), ME, API), 'unauthenticated');
      // A payload changed after signing.
      const [header, , signature] = sign(claims()).split('.');
      await refusedWith(verifier.verify(`${header}.${base64url(claims({ sub: 'account-mallory' }))}.${signature}`, ME, API), 'unauthenticated');
    });

    it('a wrong signature costs at most one extra tenant read a second', async () => {
      await verifier.verify(sign(claims()), ME, API);
      clock.advance(1_000);
      for (let i = 0; i < 20; i += 1) await refusedWith(verifier.verify(sign(claims(), 'forged'), ME, API), 'unauthenticated');
      assert.equal(repository.reads, 2);
    });

    it('a token naming no user (no sub, no context.user.accountId) → unauthenticated', async () => {
      await refusedWith(verifier.verify(sign(claims({ sub: undefined })), ME, API), 'unauthenticated');
      await refusedWith(verifier.verify(sign(claims({ sub: '' })), ME, API), 'unauthenticated');
      await refusedWith(verifier.verify(sign(claims({ sub: 42 })), ME, API), 'unauthenticated');
    });

    it('something that is not a JWT → unauthenticated', async () => {
      for (const token of ['', 'abc', 'a.b.c', 'eyJ.eyJ.x', `${base64url({ alg: 'HS256' })}.not-json.sig`]) {
        await refusedWith(verifier.verify(token, ME, API), 'unauthenticated');
      }
    });
  });
});
