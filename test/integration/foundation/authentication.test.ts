import assert from 'node:assert/strict';
import * as jwt from 'atlassian-jwt';
import { databaseLanes, printLaneNotice, type TestDatabase } from '../../support/database-lanes';
import { ALICE_ADMIN, BOB_MEMBER, startTestApp, type TestApp } from '../../support/test-app';

for (const lane of databaseLanes()) {
  describe(`Authentication of API calls and pages (${lane.name})`, () => {
    let database: TestDatabase;
    let app: TestApp;
    const nowSeconds = () => Math.floor(Date.now() / 1000);
    const sign = (claims: Record<string, unknown>, secret = app.host.installed!.sharedSecret) =>
      jwt.encodeSymmetric(
        { iss: app.host.clientKey, sub: ALICE_ADMIN.accountId, iat: nowSeconds(), exp: nowSeconds() + 60, qsh: 'context-qsh', ...claims },
        secret,
      );

    before(async () => {
      printLaneNotice();
      database = await lane.create();
      app = await startTestApp({ databaseUrl: database.url });
      await app.install();
    });
    after(async () => {
      await app?.close();
      await database?.drop();
    });

    it('refuses a call without a token, in the contract error shape', async () => {
      const response = await app.request('GET', '/api/v1/context');
      assert.equal(response.status, 401);
      const body = response.json();
      assert.equal(body.error.code, 'unauthenticated');
      assert.equal(typeof body.error.message, 'string');
    });

    it('accepts a context token (qsh "context-qsh")', async () => {
      const response = await app.request('GET', '/api/v1/context', { token: app.contextToken(BOB_MEMBER.accountId) });
      assert.equal(response.status, 200);
      assert.deepEqual(response.json(), { accountId: BOB_MEMBER.accountId, siteUrl: app.host.hostBaseUrl, isAdmin: false });
    });

    it("accepts a token carrying the request's own qsh, and refuses it for another request", async () => {
      const qsh = jwt.createQueryStringHash(jwt.fromMethodAndUrl('GET', '/api/v1/context'));
      assert.equal((await app.request('GET', '/api/v1/context', { token: sign({ qsh }) })).status, 200);
      const response = await app.request('GET', '/api/v1/admin/installation', { token: sign({ qsh }) });
      assert.equal(response.status, 401);
    });

    it('refuses an expired token with token_expired', async () => {
      const response = await app.request('GET', '/api/v1/context', { token: sign({ iat: nowSeconds() - 3600, exp: nowSeconds() - 600 }) });
      assert.equal(response.status, 401);
      assert.equal(response.json().error.code, 'token_expired');
    });

    it('refuses a token without expiry, and one signed with "none"', async () => {
      const noExpiry = jwt.encodeSymmetric({ iss: app.host.clientKey, sub: ALICE_ADMIN.accountId, qsh: 'context-qsh' }, app.host.installed!.sharedSecret);
      assert.equal((await app.request('GET', '/api/v1/context', { token: noExpiry })).status, 401);
      const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
      const payload = Buffer.from(JSON.stringify({ iss: app.host.clientKey, sub: ALICE_ADMIN.accountId, qsh: 'context-qsh', exp: nowSeconds() + 60 })).toString(
        'base64url',
      );
      assert.equal((await app.request('GET', '/api/v1/context', { token: `${header}.${payload}.` })).status, 401);
    });

    it("refuses another tenant's token, and a token naming this tenant but signed with another secret", async () => {
      const foreign = jwt.encodeSymmetric({ iss: 'another-site', sub: ALICE_ADMIN.accountId, qsh: 'context-qsh', exp: nowSeconds() + 60 }, 'another-secret');
      const foreignResponse = await app.request('GET', '/api/v1/context', { token: foreign });
      assert.equal(foreignResponse.status, 401);
      assert.equal(foreignResponse.json().error.code, 'unknown_tenant');
      const forged = await app.request('GET', '/api/v1/context', { token: sign({}, 'not-the-shared-secret') });
      assert.equal(forged.status, 401);
      assert.equal(forged.json().error.code, 'unauthenticated');
    });

    it('lets a Jira admin into /api/v1/admin and answers 403 not_admin to anyone else', async () => {
      const admin = await app.request('GET', '/api/v1/admin/installation', { token: app.contextToken(ALICE_ADMIN.accountId) });
      assert.equal(admin.status, 200);
      assert.equal(admin.json().siteUrl, app.host.hostBaseUrl);
      const member = await app.request('GET', '/api/v1/admin/installation', { token: app.contextToken(BOB_MEMBER.accountId) });
      assert.equal(member.status, 403);
      assert.equal(member.json().error.code, 'not_admin');
    });

    it('opens a page with the page JWT Jira adds', async () => {
      const response = await fetch(app.host.pageUrl('twofold-my-verification', BOB_MEMBER.accountId));
      assert.equal(response.status, 200);
      assert.match(await response.text(), /<title>Two-step verification/);
    });

    it('refuses a page JWT whose qsh was computed for another page', async () => {
      const url = new URL(app.host.pageUrl('twofold-my-verification', BOB_MEMBER.accountId));
      url.pathname = '/pages/admin/policy';
      const response = await fetch(url, { headers: { Accept: 'text/html' } });
      assert.equal(response.status, 401);
      assert.match(await response.text(), /<html/, 'a person gets an HTML page, not JSON');
    });

    it('refuses a context token as a page token', async () => {
      const response = await fetch(`${app.baseUrl}/pages/my/two-step?jwt=${app.contextToken(BOB_MEMBER.accountId)}`, { headers: { Accept: 'text/html' } });
      assert.equal(response.status, 401);
    });

    it('shows the admin pages to a Jira admin and a 403 page to anyone else', async () => {
      const pages = { 'twofold-admin-policy': 'Two-step verification policy', 'twofold-admin-users': 'Users', 'twofold-admin-audit': 'Audit log' };
      for (const [moduleKey, title] of Object.entries(pages)) {
        const shown = await fetch(app.host.pageUrl(moduleKey, ALICE_ADMIN.accountId));
        assert.equal(shown.status, 200, moduleKey);
        assert.match(await shown.text(), new RegExp(`<h1>${title}</h1>`), moduleKey);
        const refused = await fetch(app.host.pageUrl(moduleKey, BOB_MEMBER.accountId), { headers: { Accept: 'text/html' } });
        assert.equal(refused.status, 403, moduleKey);
        const body = await refused.text();
        assert.match(body, /<h1>Not allowed<\/h1>/, moduleKey);
        assert.match(body, /Only Jira administrators/, moduleKey);
        assert.doesNotMatch(body, /<h1>[^<]*(policy|Users|Audit log)/, `${moduleKey}: nothing of the page itself`);
      }
    });

    it("names each page as Jira's menu does: the module's name (less the app's prefix) is the page's title", async () => {
      const descriptor = (await app.request('GET', '/atlassian-connect.json')).json();
      const modules = [...descriptor.modules.adminPages, ...descriptor.modules.generalPages] as { key: string; name: { value: string } }[];
      assert.ok(modules.length >= 4);
      for (const module of modules) {
        const html = await (await fetch(app.host.pageUrl(module.key, ALICE_ADMIN.accountId))).text();
        const title = /<h1>([^<]*)<\/h1>/.exec(html)?.[1]?.replace(/&#x27;|&#39;/g, "'");
        const name = module.name.value.replace(/^Twofold: /, '');
        assert.equal(title?.toLowerCase(), name.toLowerCase(), module.key);
      }
    });

    it('answers bad JSON with 400 invalid_request and unknown API paths with 404 not_found', async () => {
      const token = app.contextToken(ALICE_ADMIN.accountId);
      const badJson = await app.request('POST', '/api/v1/context', { token, body: '{"not json', headers: { 'Content-Type': 'application/json' } });
      assert.equal(badJson.status, 400);
      assert.equal(badJson.json().error.code, 'invalid_request');
      const missing = await app.request('GET', '/api/v1/no-such-thing', { token });
      assert.equal(missing.status, 404);
      assert.equal(missing.json().error.code, 'not_found');
    });
  });
}
