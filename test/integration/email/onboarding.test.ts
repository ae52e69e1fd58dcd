import assert from 'node:assert/strict';
import type { FixedClock } from '../../../src/domain/ports/clock';
import { databaseLanes, printLaneNotice } from '../../support/database-lanes';
import { startInstalledApp, type InstalledApp } from '../../support/installed-app';
import { steppedClock } from '../../support/stepped-clock';
import type { TestApp } from '../../support/test-app';
import { decodeBase32 } from '../../../src/domain/mfa/secret-encoding';
import { timeStepAt, totpAtStep } from '../../../src/domain/mfa/totp';
import { USERS, errorCode, me } from '../mfa/support';

/**
 * Onboarding as a required action through HTTP (sandbox host, development outbox for mail): which
 * pages show the set-up, the ID availability check, and the email confirmation that a first factor
 * waits for when the policy asks for it.
 */
for (const lane of databaseLanes()) {
  describe(`Onboarding (${lane.name})`, () => {
    let installed: InstalledApp<FixedClock>;
    let app: TestApp;
    let clock: FixedClock;

    const putPolicy = async (body: unknown) => {
      const response = await app.request('PUT', '/api/v1/admin/policy', { token: app.contextToken(USERS.alice), body });
      assert.equal(response.status, 200, response.text);
    };
    const openPage = async (moduleKey: string, accountId: string) => {
      const url = new URL(app.host.pageUrl(moduleKey, accountId));
      const response = await fetch(`${app.baseUrl}${url.pathname}${url.search}`);
      return { status: response.status, html: await response.text() };
    };
    const availability = (accountId: string, id: string) =>
      app.request('GET', `/api/v1/me/id-availability?id=${encodeURIComponent(id)}`, { token: app.contextToken(accountId) });
    const outboxCode = () => {
      const newest = app.twofold.outbox?.list()[0];
      assert.ok(newest, 'a message in the outbox');
      const match = /(\d{4}) (\d{4})/.exec(newest.text);
      assert.ok(match);
      return `${match[1]}${match[2]}`;
    };

    before(async () => {
      printLaneNotice();
      installed = await startInstalledApp(lane, { clock: steppedClock() });
      ({ app, clock } = installed);
    });
    after(() => installed?.stop());

    it('a member of an enforced group with no factor gets the set-up on every Twofold page; others get the page', async () => {
      assert.equal((await openPage('twofold-verify', USERS.bob)).html.includes('data-onboarding'), false, 'nobody is required yet');
      await putPolicy({ enforcedGroups: ['developers'] });
      assert.equal((await me(app, USERS.bob)).onboardingRequired, true);
      for (const moduleKey of ['twofold-verify', 'twofold-my-verification']) {
        const page = await openPage(moduleKey, USERS.bob);
        assert.equal(page.status, 200);
        assert.ok(page.html.includes('data-onboarding'), moduleKey);
        assert.equal(page.html.includes('data-testid="onboarding-id"'), false, 'no ID field unless users may choose their ID');
      }
      const dave = await openPage('twofold-verify', USERS.dave); // qa: not enforced
      assert.equal(dave.html.includes('data-onboarding'), false);
      assert.ok(dave.html.includes('data-verify'));
    });

    it('GET /me/id-availability: 403 unless users may choose; then available / taken / yours / invalid, and 429 rate_limited past 30 a minute', async () => {
      const refused = await availability(USERS.bob, 'bob-2fa');
      assert.equal(refused.status, 403);
      assert.equal(errorCode(refused), 'forbidden');
      await putPolicy({ allowUserChosenId: true });
      assert.ok((await openPage('twofold-verify', USERS.bob)).html.includes('data-testid="onboarding-id"'));
      const taken = await app.request('PUT', '/api/v1/me/two-factor-id', { token: app.contextToken(USERS.carol), body: { twoFactorId: 'carol-2fa' } });
      assert.equal(taken.status, 200);
      assert.deepEqual((await availability(USERS.bob, 'Carol-2FA')).json(), { state: 'taken', twoFactorId: 'Carol-2FA' });
      assert.deepEqual((await availability(USERS.carol, 'carol-2fa')).json(), { state: 'yours', twoFactorId: 'carol-2fa' });
      assert.deepEqual((await availability(USERS.bob, 'bob-2fa')).json(), { state: 'available', twoFactorId: 'bob-2fa' });
      const invalid = (await availability(USERS.bob, 'carol.chen@example.com')).json();
      assert.equal(invalid.state, 'invalid');
      assert.equal(typeof invalid.reason, 'string');
      const statuses: number[] = [];
      for (let i = 0; i < 27; i += 1) statuses.push((await availability(USERS.bob, `bob-${i}`)).status);
      assert.deepEqual(new Set(statuses), new Set([200]), '30 in the minute pass');
      const limited = await availability(USERS.bob, 'bob-x');
      assert.equal(limited.status, 429);
      assert.equal(errorCode(limited), 'rate_limited');
      assert.ok(Number(limited.headers.get('retry-after')) > 0);
      clock.advance(61_000);
      assert.equal((await availability(USERS.bob, 'bob-x')).status, 200);
    });

    it('with confirmEmailOnEnrollment, a first factor waits for the emailed code (403 email_not_confirmed), then activates', async () => {
      await putPolicy({ confirmEmailOnEnrollment: true });
      const token = app.contextToken(USERS.bob);
      const started = await app.request('POST', '/api/v1/me/totp', { token, body: {} });
      assert.equal(started.status, 201);
      const decoded = decodeBase32(started.json().secretBase32);
      assert.ok(decoded.ok);
      const code = () => totpAtStep(decoded.bytes, timeStepAt(clock.now(), 30), { algorithm: 'SHA1', digits: 6, period: 30 });
      const early = await app.request('POST', '/api/v1/me/totp/confirm', { token, body: { code: code() } });
      assert.equal(early.status, 403);
      assert.equal(errorCode(early), 'email_not_confirmed');

      const sent = await app.request('POST', '/api/v1/me/email-code', { token, body: { purpose: 'confirm_email' } });
      assert.equal(sent.status, 202, sent.text);
      assert.equal(sent.json().sentTo, 'b***@example.com');
      const wrong = await app.request('POST', '/api/v1/me/email/confirm', {
        token,
        body: { emailCode: outboxCode() === '00000000' ? '11111111' : '00000000' },
      });
      assert.equal(wrong.status, 401);
      assert.equal(errorCode(wrong), 'invalid_code');
      const confirmed = await app.request('POST', '/api/v1/me/email/confirm', { token, body: { emailCode: outboxCode() } });
      assert.equal(confirmed.status, 200, confirmed.text);
      assert.equal(confirmed.json().confirmed, true);
      const again = await app.request('POST', '/api/v1/me/email/confirm', { token, body: { emailCode: outboxCode() } });
      assert.equal(errorCode(again), 'code_reused');

      const activated = await app.request('POST', '/api/v1/me/totp/confirm', { token, body: { code: code() } });
      assert.equal(activated.status, 200, activated.text);
      assert.equal((await me(app, USERS.bob)).onboardingRequired, false);
      assert.equal((await openPage('twofold-verify', USERS.bob)).html.includes('data-onboarding'), false, 'the page itself now');
    });
  });
}

for (const lane of databaseLanes()) {
  describe(`Email codes with no mail server, as in production without SMTP_URL (${lane.name})`, () => {
    let installed: InstalledApp;
    let app: TestApp;

    before(async () => {
      installed = await startInstalledApp(lane, { overrides: { mail: null } });
      app = installed.app;
      const policy = await app.request('PUT', '/api/v1/admin/policy', {
        token: app.contextToken(USERS.alice),
        body: { methods: ['totp', 'backup_codes', 'email'] },
      });
      assert.equal(policy.status, 200, policy.text);
    });
    after(() => installed?.stop());

    it('GET /me does not list email although the policy offers it, and POST /me/email-code answers 503 mail_not_configured', async () => {
      const status = await me(app, USERS.bob);
      assert.deepEqual(status.methods, []);
      assert.ok(status.availableMethods.includes('email'));
      const response = await app.request('POST', '/api/v1/me/email-code', { token: app.contextToken(USERS.bob), body: {} });
      assert.equal(response.status, 503);
      assert.equal(errorCode(response), 'mail_not_configured');
      assert.equal(app.twofold.outbox === undefined || app.twofold.outbox.list().length === 0, true);
    });
  });
}
