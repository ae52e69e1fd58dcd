import assert from 'node:assert/strict';
import { databaseLanes } from '../../support/database-lanes';
import { startInstalledApp, type InstalledApp } from '../../support/installed-app';
import { ALICE_ADMIN, BOB_MEMBER } from '../../support/test-app';

/**
 * Every API answer and every page answer is kept out of caches (they carry IDs, enrollment state and
 * one-time material, and pages are fetched at URLs with a JWT in them), and turns off the browser
 * features no Twofold page uses. Static files alone may be cached.
 */
describe('Security headers', () => {
  const lane = databaseLanes().find((candidate) => candidate.name === 'sqlite')!;
  let installed: InstalledApp;

  before(async () => {
    installed = await startInstalledApp(lane);
  });
  after(() => installed?.stop());

  const assertGuarded = (headers: Headers, what: string) => {
    assert.equal(headers.get('cache-control'), 'no-store', `${what}: Cache-Control`);
    assert.match(headers.get('permissions-policy') ?? '', /camera=\(\)/, `${what}: Permissions-Policy`);
    assert.match(headers.get('content-security-policy') ?? '', /frame-ancestors /, `${what}: CSP`);
    assert.equal(headers.get('referrer-policy'), 'no-referrer', `${what}: Referrer-Policy`);
  };

  it('marks API answers, refusals and errors no-store', async () => {
    const { app } = installed;
    const admin = app.contextToken(ALICE_ADMIN.accountId);
    const member = app.contextToken(BOB_MEMBER.accountId);
    const cases: Array<[string, string, string | undefined, number]> = [
      ['GET', '/api/v1/admin/policy', admin, 200],
      ['GET', '/api/v1/admin/users', admin, 200],
      ['GET', '/api/v1/admin/audit', admin, 200],
      ['GET', '/api/v1/me', member, 200],
      ['GET', '/api/v1/admin/policy', member, 403],
      ['GET', '/api/v1/me', undefined, 401],
      ['GET', '/api/v1/no-such-route', member, 404],
      ['GET', '/healthz', undefined, 200],
    ];
    for (const [method, path, token, status] of cases) {
      const response = await app.request(method, path, token === undefined ? {} : { token });
      assert.equal(response.status, status, `${method} ${path}`);
      assertGuarded(response.headers, `${method} ${path} (${status})`);
    }
  });

  it('marks pages and their error pages no-store, and lets static files be cached by their own rules', async () => {
    const { app } = installed;
    const refused = await app.request('GET', '/pages/verify?jwt=not-a-token');
    assert.ok(refused.status >= 400, `a page with a bad JWT is refused (${refused.status})`);
    assertGuarded(refused.headers, 'refused page');
    const style = await app.request('GET', '/public/css/twofold.css');
    assert.equal(style.status, 200);
    assert.notEqual(style.headers.get('cache-control'), 'no-store');
  });
});
