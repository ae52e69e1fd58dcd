import assert from 'node:assert/strict';
import type { FixedClock } from '../../../src/domain/ports/clock';
import { databaseLanes, printLaneNotice } from '../../support/database-lanes';
import { FakeDataCenter } from '../../support/fake-data-center';
import { startInstalledApp, type InstalledApp } from '../../support/installed-app';
import { steppedClock } from '../../support/stepped-clock';
import type { TestApp, TestResponse } from '../../support/test-app';
import { enroll, USERS } from '../mfa/support';
import { admin, ALICE_DC, CAROL_DC, connectAndEnforce, DAVE_DC, DC_GROUPS, DC_USERS, errorCode, gateCookieOf, GIT_BOB, totpNow } from './gate-support';

const basic = (user: { name: string; password?: string }) => `Basic ${Buffer.from(`${user.name}:${user.password ?? ''}`).toString('base64')}`;

/**
 * The forward-auth gate through HTTP, with a test in nginx's place (it sends what the documented
 * configuration sends) in front of a fake Data Center: gates, the check's every reason, the verify and
 * set-up pages, the cookie's binding, Basic-auth clients' approvals and grace, revocation, failing closed.
 */
for (const lane of databaseLanes()) {
  describe(`The forward-auth gate (${lane.name})`, function () {
    this.timeout(30_000);
    let installed: InstalledApp<FixedClock>;
    let app: TestApp;
    let clock: FixedClock;
    let dc: FakeDataCenter;
    let key: string;
    let gateId: string;
    let aliceEnrollment: Record<string, any>;

    /** What nginx asks for a request of the Data Center site. */
    const check = (headers: Record<string, string>, uri = '/browse/ABC-1', method = 'GET', withKey = true) =>
      app.request('GET', '/gate/v1/check', {
        headers: {
          ...(withKey ? { 'X-Twofold-Gate-Key': key } : {}),
          'X-Original-URI': uri,
          'X-Original-Method': method,
          'X-Forwarded-For': '198.51.100.7',
          ...headers,
        },
      });
    const reason = (response: TestResponse) => `${response.status} ${response.headers.get('x-twofold-reason')}`;
    /** A call to the gate's pages as nginx proxies `/twofold/…`, from the Data Center's own origin. */
    const page = (method: string, path: string, cookie: string, body?: unknown, origin: string | null = dc.baseUrl) =>
      app.request(method, `/gate/v1${path}`, {
        headers: { 'X-Twofold-Gate-Key': key, Cookie: cookie, ...(origin === null ? {} : { Origin: origin }) },
        ...(body === undefined ? {} : { body }),
      });

    before(async () => {
      printLaneNotice();
      installed = await startInstalledApp(lane, { clock: steppedClock() });
      ({ app, clock } = installed);
      dc = await FakeDataCenter.start({ users: DC_USERS, groups: DC_GROUPS });
    });
    after(async () => {
      await dc?.close();
      await installed?.stop();
    });

    it('creates a gate only once the connector is connected; the key is shown once and listed never', async () => {
      const early = await admin(app, 'POST', '/api/v1/admin/gates', { name: 'Jira DC' });
      assert.equal(early.status, 409);
      assert.equal(errorCode(early), 'connector_not_ready');
      await connectAndEnforce(app, dc.baseUrl);

      const created = await admin(app, 'POST', '/api/v1/admin/gates', { name: 'Jira DC' });
      assert.equal(created.status, 201, created.text);
      ({ key, id: gateId } = created.json());
      assert.match(key, /^tfg_[A-Za-z0-9_-]{43}$/);
      assert.ok(created.json().nginxConfig.includes(key));
      assert.ok(created.json().nginxConfig.includes(`proxy_pass ${dc.baseUrl};`));

      const list = await admin(app, 'GET', '/api/v1/admin/gates');
      assert.equal(list.status, 200);
      assert.deepEqual(
        list.json().gates.map((g: Record<string, unknown>) => [g.id, g.name]),
        [[gateId, 'Jira DC']],
      );
      assert.ok(!list.text.includes(key));
      assert.equal(errorCode(await admin(app, 'POST', '/api/v1/admin/gates', { name: '' })), 'invalid_request');
    });

    it('refuses a missing or unknown key before anything else', async () => {
      assert.equal(reason(await check({}, '/login.jsp', 'GET', false)), '401 bad_gate_key');
      assert.equal(reason(await check({ 'X-Twofold-Gate-Key': `tfg_${'A'.repeat(43)}` })), '401 bad_gate_key');
    });

    it('lets through open paths, safe zones (from a trusted proxy only), anonymous requests and users not required', async () => {
      assert.equal(reason(await check({}, '/login.jsp?os_destination=%2F')), '204 open_path');
      assert.equal(reason(await check({}, '/twofold/verify?rd=%2F')), '204 open_path');
      const alice = dc.login(ALICE_DC.name);
      assert.equal(reason(await check({ Cookie: alice, 'X-Forwarded-For': '10.20.30.40' })), '204 safe_zone');
      assert.equal(reason(await check({ Cookie: alice, 'X-Forwarded-For': '2001:db8::7' })), '204 safe_zone');
      // A client cannot forge its place in the zone: only the right-most hop that nginx appended counts.
      assert.equal(reason(await check({ Cookie: alice, 'X-Forwarded-For': '10.20.30.40, 198.51.100.7' })), '401 enrollment_required');
      assert.equal(reason(await check({})), '204 no_session');
      assert.equal(reason(await check({ Cookie: 'JSESSIONID=NOT-A-SESSION' })), '204 no_session');
      assert.equal(reason(await check({ Cookie: dc.login(DAVE_DC.name) })), '204 not_required');
    });

    it('sends a required user with no factor to the verify page, which onboards them (only from the Data Center origin)', async () => {
      const alice = dc.login(ALICE_DC.name);
      const held = await check({ Cookie: alice });
      assert.equal(reason(held), '401 enrollment_required');
      assert.equal(held.headers.get('x-twofold-location'), '/twofold/verify?rd=%2Fbrowse%2FABC-1');

      const shown = await page('GET', '/verify?rd=%2Fbrowse%2FABC-1', alice);
      assert.equal(shown.status, 200);
      assert.match(shown.text, /data-mode="enroll"/);

      for (const origin of [null, 'https://evil.example']) {
        const refused = await page('POST', '/enroll', alice, {}, origin);
        assert.equal(refused.status, 403);
        assert.equal(errorCode(refused), 'bad_origin');
      }
      const viaReferer = await app.request('POST', '/gate/v1/enroll', {
        headers: { 'X-Twofold-Gate-Key': key, Cookie: alice, Referer: `${dc.baseUrl}/twofold/verify` },
        body: {},
      });
      assert.equal(viaReferer.status, 201, viaReferer.text);
      aliceEnrollment = viaReferer.json();
      assert.match(aliceEnrollment.otpauthUri, /^otpauth:\/\/totp\/.*alice%40dc\.example/);

      const confirmed = await page('POST', '/enroll/confirm', alice, { code: totpNow(aliceEnrollment, clock), rd: 'https://evil.example/steal' });
      assert.equal(confirmed.status, 200, confirmed.text);
      assert.equal(confirmed.json().redirect, '/');
      assert.ok(confirmed.json().backupCodes.length >= 10);
      const setCookie = confirmed.headers.get('set-cookie') ?? '';
      assert.match(setCookie, /twofold_gate=[^;]+; Max-Age=\d+; Path=\/; Expires=[^;]+; HttpOnly; SameSite=Lax/);
      assert.doesNotMatch(setCookie, /Secure/); // the site is plain http on loopback

      const lookups = dc.sessionLookups;
      const both = `${alice}; ${gateCookieOf(confirmed)}`;
      for (let i = 0; i < 5; i += 1) assert.equal(reason(await check({ Cookie: both })), '204 verified');
      assert.equal(dc.sessionLookups, lookups, 'a verified user is decided from memory, without asking Data Center again');
    });

    it('binds twofold_gate to the user and the Data Center session: a new login or another user does not pass', async () => {
      clock.advance(30_000);
      const firstLogin = dc.login(ALICE_DC.name);
      const verified = await page('POST', '/verify', firstLogin, { code: totpNow(aliceEnrollment, clock), rd: '/browse/ABC-1?focus=1' });
      assert.equal(verified.status, 200, verified.text);
      assert.equal(verified.json().redirect, '/browse/ABC-1?focus=1');
      const gateCookie = gateCookieOf(verified);
      assert.equal(reason(await check({ Cookie: `${firstLogin}; ${gateCookie}` })), '204 verified');

      assert.equal(reason(await check({ Cookie: `${dc.login(ALICE_DC.name)}; ${gateCookie}` })), '401 verification_required');
      assert.equal(reason(await check({ Cookie: `${dc.login(GIT_BOB.name)}; ${gateCookie}` })), '401 enrollment_required');

      const replay = await page('POST', '/verify', dc.login(ALICE_DC.name), { code: totpNow(aliceEnrollment, clock) });
      assert.equal(replay.status, 401);
      assert.equal(errorCode(replay), 'code_reused');
      for (const rd of ['//evil.example/', '/\\evil.example', 'javascript:alert(1)']) {
        clock.advance(30_000);
        const answer = await page('POST', '/verify', dc.login(ALICE_DC.name), { code: totpNow(aliceEnrollment, clock), rd });
        assert.equal(answer.json().redirect, '/', rd);
      }
    });

    it('holds a Basic-auth client at approval_pending until its user approves, then lets it through for the grace period', async () => {
      const git = { Authorization: basic(GIT_BOB), 'User-Agent': 'git/2.45.2' };
      const infoRefs = '/scm/abc/repo.git/info/refs?service=git-upload-pack';
      assert.equal(reason(await check(git, infoRefs)), '401 approval_pending');
      assert.equal(reason(await check(git, infoRefs)), '401 approval_pending');

      // Bob sets up his second factor on the gate's page, verifies, and sees the request.
      const bobSession = dc.login(GIT_BOB.name);
      const started = await page('POST', '/enroll', bobSession, {});
      assert.equal(started.status, 201, started.text);
      const done = await page('POST', '/enroll/confirm', bobSession, { code: totpNow(started.json(), clock) });
      assert.equal(done.status, 200, done.text);
      const bobCookie = `${bobSession}; ${gateCookieOf(done)}`;
      const listed = await page('GET', '/verify', bobCookie);
      const ids = [...listed.text.matchAll(/data-approval="([0-9a-f-]{36})"/g)].map((m) => m[1]!);
      assert.equal(ids.length, 1, 'one request for one client address, however often it asks');
      assert.match(listed.text, /git\/2\.45\.2/);

      // Inside Jira, the same answer is for the request's own account only, from a verified browser.
      const cloudBob = await enroll(app, clock, USERS.bob);
      const viaApi = (sessionToken?: string) =>
        app.request('POST', `/api/v1/me/approvals/${ids[0]}`, {
          token: app.contextToken(USERS.bob),
          headers: sessionToken === undefined ? {} : { 'X-Twofold-Session': sessionToken },
          body: { decision: 'approve' },
        });
      assert.equal(errorCode(await viaApi()), 'verification_required');
      assert.equal(errorCode(await viaApi(cloudBob.sessionToken)), 'not_found');

      const state = await page('GET', `/approvals/${ids[0]}`, bobSession);
      assert.equal(state.json().state, 'pending');
      const unverified = await page('POST', `/approvals/${ids[0]}`, bobSession, { decision: 'approve' });
      assert.equal(unverified.status, 403);
      assert.equal(errorCode(unverified), 'verification_required');
      const approved = await page('POST', `/approvals/${ids[0]}`, bobCookie, { decision: 'approve' });
      assert.equal(approved.status, 200, approved.text);
      assert.equal(approved.json().state, 'approved');
      assert.equal(errorCode(await page('POST', `/approvals/${ids[0]}`, bobCookie, { decision: 'deny' })), 'approval_closed');

      assert.equal(reason(await check(git, infoRefs)), '204 grace');
      assert.equal(reason(await check(git, '/scm/abc/repo.git/git-receive-pack', 'POST')), '204 grace');
      // Another address is another client.
      assert.equal(reason(await check({ ...git, 'X-Forwarded-For': '203.0.113.9' }, infoRefs)), '401 approval_pending');

      // Past the write grace (60 min) a push is held again; reads keep their longer grace (8 h).
      clock.advance(61 * 60_000);
      assert.equal(reason(await check(git, '/scm/abc/repo.git/git-receive-pack', 'POST')), '401 approval_pending');
      assert.equal(reason(await check(git, infoRefs)), '204 grace');
    });

    it('blocks Basic auth outright when the policy says so', async () => {
      const put = await admin(app, 'PUT', '/api/v1/admin/policy', { gate: { basicAuth: 'block' } });
      assert.equal(put.status, 200, put.text);
      assert.equal(reason(await check({ Authorization: basic(GIT_BOB) }, '/rest/api/2/myself')), '403 basic_blocked');
      assert.equal(reason(await check({ Authorization: basic(DAVE_DC) }, '/rest/api/2/myself')), '204 not_required');
      assert.equal(reason(await check({ Authorization: 'Bearer some-token' }, '/rest/api/2/myself')), '403 not_allowed');
      // Server-to-server: the connector's own account (whose lookups pass through the same proxy), and Application Links.
      assert.equal(reason(await check({ Authorization: basic({ name: 'svc-twofold' }) }, '/rest/api/2/user?username=bob')), '204 not_required');
      assert.equal(reason(await check({ Authorization: 'OAuth oauth_consumer_key="x", oauth_signature="y"' }, '/rest/api/2/myself')), '204 not_required');
    });

    it('without self-enrollment, a required user with no factor is told to ask their admin, and cannot enroll', async () => {
      const put = await admin(app, 'PUT', '/api/v1/admin/policy', { gate: { selfEnrollment: false } });
      assert.equal(put.status, 200, put.text);
      const carol = dc.login(CAROL_DC.name);
      assert.equal(reason(await check({ Cookie: carol })), '401 enrollment_required');
      const shown = await page('GET', '/verify?rd=%2Fbrowse%2FX-1%3Fa%3D1%26b%3D2', carol);
      assert.match(shown.text, /data-mode="ask-admin"/);
      const refused = await page('POST', '/enroll', carol, {});
      assert.equal(refused.status, 403);
      assert.equal(errorCode(refused), 'forbidden');
      const anonymous = await page('GET', '/verify?rd=%2Fbrowse%2FX-1%3Fa%3D1%26b%3D2', '');
      // Handlebars writes "=" as "&#x3D;" in the attribute; the browser reads it back as "=".
      assert.match(anonymous.text, /href="\/login\.jsp\?os_destination(=|&#x3D;)%2Fbrowse%2FX-1%3Fa%3D1%26b%3D2"/);
    });

    it('revokes a gate at once', async () => {
      assert.equal(reason(await check({}, '/login.jsp')), '204 open_path');
      const revoked = await admin(app, 'DELETE', `/api/v1/admin/gates/${gateId}`);
      assert.equal(revoked.status, 204);
      assert.equal(reason(await check({}, '/login.jsp')), '401 bad_gate_key');
      assert.equal((await admin(app, 'GET', '/api/v1/admin/gates')).json().gates.length, 0);
      assert.equal(errorCode(await admin(app, 'DELETE', `/api/v1/admin/gates/${gateId}`)), 'not_found');
    });

    it('fails closed (503) when Data Center cannot be asked who the user is', async () => {
      const created = await admin(app, 'POST', '/api/v1/admin/gates', { name: 'second' });
      key = created.json().key;
      const session = dc.login(ALICE_DC.name);
      await dc.close();
      assert.equal(reason(await check({ Cookie: session })), '503 unavailable');
    });
  });
}
