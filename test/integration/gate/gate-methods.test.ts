import assert from 'node:assert/strict';
import { newCredentialToken } from '../../../src/domain/approvals/credential-token';
import { SequelizePairingRepository } from '../../../src/adapters/db/device-pairing-repository';
import { randomBytes } from 'node:crypto';
import type { FixedClock } from '../../../src/domain/ports/clock';
import { databaseLanes, printLaneNotice } from '../../support/database-lanes';
import { FakeDataCenter } from '../../support/fake-data-center';
import { startInstalledApp, type InstalledApp } from '../../support/installed-app';
import { SmtpSink, emailedCode } from '../../support/smtp-sink';
import { steppedClock } from '../../support/stepped-clock';
import type { TestApp, TestResponse } from '../../support/test-app';
import { WebCryptoPhone } from '../../support/webcrypto-phone';
import { USERS } from '../mfa/support';
import { admin, ALICE_DC, connectAndEnforce, DAVE_DC, DC_GROUPS, DC_USERS, errorCode, gateCookieOf, GIT_BOB, totpNow } from './gate-support';

const ALL_METHODS = ['totp', 'backup_codes', 'email', 'access_pass'];
/** A Data Center user whose address Data Center hides. */
const HIDDEN_DC = { key: 'JIRAUSER10499', name: 'hedda', displayName: 'Hedda Hidden', password: 'hedda pw', emailAddress: null };

/**
 * Email codes and the access pass on the gate's verify page (issues 8 and 11), for Data Center users
 * (`dc:` + user key), through the same services as inside Jira: the code goes to the address Data
 * Center shows for the user (asked through the connector), over a real SMTP server this test starts;
 * the phone is made with Node's WebCrypto. Both database lanes.
 */
for (const lane of databaseLanes()) {
  describe(`The gate's email codes and access pass (${lane.name})`, function () {
    this.timeout(30_000);
    let installed: InstalledApp<FixedClock>;
    let app: TestApp;
    let clock: FixedClock;
    let dc: FakeDataCenter;
    let smtp: SmtpSink;
    let key: string;
    let received = 0;

    const check = (cookie: string) =>
      app.request('GET', '/gate/v1/check', {
        headers: {
          'X-Twofold-Gate-Key': key,
          'X-Original-URI': '/browse/ABC-1',
          'X-Original-Method': 'GET',
          'X-Forwarded-For': '198.51.100.7',
          Cookie: cookie,
        },
      });
    const reason = (response: TestResponse) => `${response.status} ${response.headers.get('x-twofold-reason')}`;
    const page = (method: string, path: string, cookie: string, body?: unknown, origin: string | null = dc.baseUrl) =>
      app.request(method, `/gate/v1${path}`, {
        headers: { 'X-Twofold-Gate-Key': key, Cookie: cookie, 'X-Forwarded-For': '198.51.100.7', ...(origin === null ? {} : { Origin: origin }) },
        ...(body === undefined ? {} : { body }),
      });
    const nextMail = async () => {
      received += 1;
      const mail = await smtp.nth(received);
      return { mail, code: emailedCode(mail) };
    };
    /** Sets a required Data Center user up with an authenticator app on the gate's page. */
    const enrollOnGate = async (user: { name: string }) => {
      const session = dc.login(user.name);
      const started = await page('POST', '/enroll', session, {});
      assert.equal(started.status, 201, started.text);
      const done = await page('POST', '/enroll/confirm', session, { code: totpNow(started.json(), clock) });
      assert.equal(done.status, 200, done.text);
    };

    before(async () => {
      printLaneNotice();
      smtp = await SmtpSink.start();
      installed = await startInstalledApp(lane, { clock: steppedClock(), env: { SMTP_URL: smtp.url, TWOFOLD_MAIL_FROM: 'Twofold <twofold@test.example>' } });
      ({ app, clock } = installed);
      dc = await FakeDataCenter.start({ users: [...DC_USERS, HIDDEN_DC], groups: DC_GROUPS });
      await connectAndEnforce(app, dc.baseUrl, { methods: ALL_METHODS });
      const created = await admin(app, 'POST', '/api/v1/admin/gates', { name: 'Jira DC' });
      assert.equal(created.status, 201, created.text);
      key = created.json().key;
      await enrollOnGate(ALICE_DC);
      await enrollOnGate(GIT_BOB);
    });
    after(async () => {
      await dc?.close();
      await installed?.stop();
      await smtp?.close();
    });

    it('offers on the verify page what the policy turns on and the user can use', async () => {
      clock.advance(60_000);
      const shown = await page('GET', '/verify?rd=%2Fbrowse%2FABC-1', dc.login(ALICE_DC.name));
      assert.equal(shown.status, 200);
      assert.match(shown.text, /data-mode="verify"/);
      assert.match(shown.text, /data-action="toggle-backup"/);
      assert.match(shown.text, /data-action="email-code"/);
      // No phone paired yet: the page says where to pair one, and offers no access pass.
      assert.match(shown.text, /data-testid="pair-in-jira"/);
      assert.doesNotMatch(shown.text, /data-action="access-pass"/);

      const put = await admin(app, 'PUT', '/api/v1/admin/policy', { methods: ['totp'] });
      assert.equal(put.status, 200, put.text);
      const bare = await page('GET', '/verify', dc.login(ALICE_DC.name));
      for (const offered of [/data-action="toggle-backup"/, /data-action="email-code"/, /data-testid="pair-in-jira"/, /data-action="access-pass"/]) {
        assert.doesNotMatch(bare.text, offered);
      }
      assert.equal(errorCode(await page('POST', '/email-code', dc.login(ALICE_DC.name), {})), 'method_disabled');
      assert.equal(errorCode(await page('POST', '/verify', dc.login(ALICE_DC.name), { emailCode: '12345678' })), 'method_disabled');
      assert.equal(errorCode(await page('POST', '/access-pass', dc.login(ALICE_DC.name), {})), 'method_disabled');
      assert.equal(smtp.messages.length, 0);
      assert.equal((await admin(app, 'PUT', '/api/v1/admin/policy', { methods: ALL_METHODS })).status, 200);
    });

    it('emails a code to the address Data Center shows for the user; {emailCode} sets the twofold_gate cookie', async () => {
      const session = dc.login(ALICE_DC.name);
      for (const origin of [null, 'https://evil.example']) {
        const refused = await page('POST', '/email-code', session, {}, origin);
        assert.equal(refused.status, 403);
        assert.equal(errorCode(refused), 'bad_origin');
      }
      assert.equal(errorCode(await page('POST', '/email-code', 'JSESSIONID=NOT-A-SESSION', {})), 'unauthenticated');
      assert.equal(errorCode(await page('POST', '/email-code', session, { to: 'mallory@evil.example' })), 'invalid_request');
      assert.equal(smtp.messages.length, 0);

      const sent = await page('POST', '/email-code', session, {});
      assert.equal(sent.status, 202, sent.text);
      assert.deepEqual(sent.json(), { sentTo: 'a***@dc.example', expiresAt: new Date(clock.now().getTime() + 10 * 60_000).toISOString() });
      const { mail, code } = await nextMail();
      assert.deepEqual(mail.to, [ALICE_DC.emailAddress]);
      assert.match(mail.text, /IP address: 198\.51\.100\.7/, 'the client as the gate judges it, not nginx');

      const wrong = String((Number(code) + 1) % 100_000_000).padStart(8, '0');
      const refused = await page('POST', '/verify', session, { emailCode: wrong });
      assert.equal(refused.status, 401);
      assert.equal(errorCode(refused), 'invalid_code');
      assert.equal(reason(await check(session)), '401 verification_required');

      const verified = await page('POST', '/verify', session, { emailCode: code, rd: '/browse/ABC-1' });
      assert.equal(verified.status, 200, verified.text);
      assert.equal(verified.json().method, 'email');
      assert.equal(verified.json().redirect, '/browse/ABC-1');
      assert.equal(reason(await check(`${session}; ${gateCookieOf(verified)}`)), '204 verified');
      const again = await page('POST', '/verify', dc.login(ALICE_DC.name), { emailCode: code });
      assert.equal(errorCode(again), 'code_reused');

      const audit = await admin(app, 'GET', `/api/v1/admin/audit?action=email_code.sent&subject=${encodeURIComponent(`dc:${ALICE_DC.key}`)}`);
      const entries = audit.json().entries as Array<{ action: string; subjectAccountId: string }>;
      assert.equal(entries.length, 1);
      assert.equal(entries[0]!.action, 'email_code.sent');
    });

    it('refuses a user whose address Data Center does not show (email_hidden); Cloud users still get theirs from Jira Cloud', async () => {
      const hidden = await page('POST', '/email-code', dc.login(HIDDEN_DC.name), {});
      assert.equal(hidden.status, 409);
      assert.equal(errorCode(hidden), 'email_hidden');
      // Dave is not required, but may verify by email all the same: his address is Data Center's.
      const dave = await page('POST', '/email-code', dc.login(DAVE_DC.name), {});
      assert.equal(dave.status, 202, dave.text);
      assert.deepEqual((await nextMail()).mail.to, ['dave@example.com']);

      const cloud = await app.request('POST', '/api/v1/me/email-code', { token: app.contextToken(USERS.bob), body: {} });
      assert.equal(cloud.status, 202, cloud.text);
      assert.equal(cloud.json().sentTo, 'b***@example.com');
      assert.deepEqual((await nextMail()).mail.to, ['bob@example.com']);
    });

    it('the access pass: no phone → 409 no_device; with one, the approved challenge sets the twofold_gate cookie once', async () => {
      const session = dc.login(ALICE_DC.name);
      const none = await page('POST', '/access-pass', session, {});
      assert.equal(none.status, 409);
      assert.equal(errorCode(none), 'no_device');

      // Pairing happens inside Jira (Two-step verification page); here the pairing row is made directly.
      const pairing = newCredentialToken({ bytes: (length: number) => randomBytes(length) });
      await new SequelizePairingRepository(app.twofold.database.sequelize).create(
        pairing.hash,
        { tenant: app.host.clientKey, accountId: `dc:${ALICE_DC.key}`, expiresAt: new Date(clock.now().getTime() + 600_000) },
        clock.now(),
      );
      const phone = await WebCryptoPhone.create(app);
      assert.equal((await phone.pair(`${app.baseUrl}/companion#pair=${pairing.token}`, 'Alice’s phone')).status, 201);

      const shown = await page('GET', '/verify', session);
      assert.match(shown.text, /data-action="access-pass"/);
      assert.doesNotMatch(shown.text, /data-testid="pair-in-jira"/);

      assert.equal(errorCode(await page('POST', '/access-pass', session, {}, 'https://evil.example')), 'bad_origin');
      const asked = await page('POST', '/access-pass', session, {});
      assert.equal(asked.status, 201, asked.text);
      const { challengeId, symbol, expiresAt } = asked.json<{ challengeId: string; symbol: { id: string; name: string }; expiresAt: string }>();
      assert.match(challengeId, /^[0-9a-f]{32}$/);
      assert.equal(new Date(expiresAt).getTime() - clock.now().getTime(), 120_000);
      const poll = (cookie: string, rd = '/browse/ABC-1') => page('GET', `/access-pass/${challengeId}?rd=${encodeURIComponent(rd)}`, cookie, undefined, null);
      assert.deepEqual((await poll(session)).json(), { state: 'pending' });
      // Another Data Center user cannot see or take Alice's challenge.
      assert.equal(errorCode(await poll(dc.login(GIT_BOB.name))), 'not_found');

      const { requests } = await phone.requests();
      const request = requests.find((candidate) => candidate.challengeId === challengeId);
      assert.ok(request, 'the phone sees the request');
      assert.equal(request.ip, '198.51.100.7');
      assert.equal(request.site, dc.baseUrl);
      assert.equal((await phone.answer(request, symbol.id, 'approve')).status, 204);

      const approved = await poll(session);
      assert.equal(approved.status, 200, approved.text);
      assert.equal(approved.json().state, 'approved');
      assert.equal(approved.json().method, 'access_pass');
      assert.equal(approved.json().redirect, '/browse/ABC-1');
      assert.equal(reason(await check(`${session}; ${gateCookieOf(approved)}`)), '204 verified');
      const later = await poll(session);
      assert.deepEqual(later.json(), { state: 'approved' });
      assert.equal(later.headers.get('set-cookie'), null, 'an approval gives one session');
      assert.equal(errorCode(await page('GET', '/access-pass/not-a-challenge', session, undefined, null)), 'invalid_request');
    });
  });
}
