import assert from 'node:assert/strict';
import type { FixedClock } from '../../../src/domain/ports/clock';
import { databaseLanes, printLaneNotice } from '../../support/database-lanes';
import { startInstalledApp, type InstalledApp } from '../../support/installed-app';
import { SmtpSink, emailedCode } from '../../support/smtp-sink';
import { steppedClock } from '../../support/stepped-clock';
import type { TestApp } from '../../support/test-app';
import { USERS, codeNow, enroll, errorCode, me, session, verify } from '../mfa/support';

/**
 * Email codes through the HTTP API (CONTRACT "Email codes and the access pass"), delivered over SMTP
 * to a real SMTP server (smtp-server) that this test starts; the code is read out of the delivered,
 * parsed message. The app's clock is frozen and moved by hand.
 */
for (const lane of databaseLanes()) {
  describe(`Email codes over SMTP (${lane.name})`, () => {
    let installed: InstalledApp<FixedClock>;
    let app: TestApp;
    let clock: FixedClock;
    let smtp: SmtpSink;
    let received = 0;

    const sendCode = (accountId: string, body: unknown = {}) => app.request('POST', '/api/v1/me/email-code', { token: app.contextToken(accountId), body });
    const putPolicy = (body: unknown) => app.request('PUT', '/api/v1/admin/policy', { token: app.contextToken(USERS.alice), body });
    /** The next message the SMTP server receives, and its code. */
    const nextMail = async () => {
      received += 1;
      const mail = await smtp.nth(received);
      return { mail, code: emailedCode(mail) };
    };

    before(async () => {
      printLaneNotice();
      smtp = await SmtpSink.start();
      installed = await startInstalledApp(lane, {
        clock: steppedClock(),
        env: { SMTP_URL: smtp.url, TWOFOLD_MAIL_FROM: 'Twofold <twofold@test.example>' },
      });
      ({ app, clock } = installed);
    });
    after(async () => {
      await installed?.stop();
      await smtp?.close();
    });

    it('email is off by default: POST /me/email-code answers 403 method_disabled and sends nothing; /me does not list email', async () => {
      const response = await sendCode(USERS.bob);
      assert.equal(response.status, 403);
      assert.equal(errorCode(response), 'method_disabled');
      const status = await me(app, USERS.bob);
      assert.deepEqual(status.methods, []);
      assert.equal(status.availableMethods.includes('email'), false);
      const refused = await verify(app, USERS.bob, { emailCode: '12345678' });
      assert.equal(refused.status, 403);
      assert.equal(errorCode(refused), 'method_disabled');
      assert.equal(smtp.messages.length, 0);
    });

    it('the admin turns email on; /me then lists email as a working method of a user whose address Jira shows', async () => {
      const response = await putPolicy({ methods: ['totp', 'backup_codes', 'email'] });
      assert.equal(response.status, 200, response.text);
      assert.deepEqual(response.json().methods, ['totp', 'backup_codes', 'email']);
      const status = await me(app, USERS.bob);
      assert.deepEqual(status.methods, ['email']);
      assert.equal(status.onboardingRequired, false);
    });

    it('POST /me/email-code → 202 {sentTo masked, expiresAt in 10 minutes}; the mail names the service, the time and the IP, and has no link', async () => {
      const response = await sendCode(USERS.bob);
      assert.equal(response.status, 202, response.text);
      assert.deepEqual(response.json(), { sentTo: 'b***@example.com', expiresAt: new Date(clock.now().getTime() + 10 * 60_000).toISOString() });
      const { mail, code } = await nextMail();
      assert.deepEqual(mail.to, ['bob@example.com']);
      assert.match(mail.from, /twofold@test\.example/);
      assert.match(code, /^\d{8}$/);
      const serviceName = (await app.request('GET', '/api/v1/admin/policy', { token: app.contextToken(USERS.alice) })).json().branding.serviceName as string;
      assert.ok(mail.text.includes(serviceName), 'names the service');
      assert.ok(mail.subject.includes(serviceName), 'the subject names the service');
      assert.ok(mail.text.includes(clock.now().toISOString().slice(0, 16).replace('T', ' ')), 'names the time');
      assert.match(mail.text, /IP address: (::ffff:)?127\.0\.0\.1/);
      assert.doesNotMatch(mail.text, /https?:|www\./i, 'no link');
      assert.equal(mail.html, false, 'plain text only');
    });

    it('the code is stored only as a salted hash', async () => {
      const [rows] = (await app.twofold.database.sequelize.query('SELECT code_hash FROM email_codes')) as [Array<{ code_hash: string }>, unknown];
      assert.ok(rows.length >= 1);
      const last = smtp.messages.at(-1);
      assert.ok(last);
      for (const row of rows) {
        assert.match(row.code_hash, /^hmac-sha256\$/);
        assert.equal(row.code_hash.includes(emailedCode(last)), false);
      }
    });

    it('POST /me/verify {emailCode}: a wrong one is 401 invalid_code with attemptsLeft, the right one verifies this browser, and it is single use', async () => {
      const code = emailedCode(smtp.messages.at(-1)!);
      const wrong = String((Number(code) + 1) % 100_000_000).padStart(8, '0');
      const refused = await verify(app, USERS.bob, { emailCode: wrong });
      assert.equal(refused.status, 401);
      assert.equal(errorCode(refused), 'invalid_code');
      assert.equal(refused.json().error.details.attemptsLeft, 4);

      const malformed = await verify(app, USERS.bob, { emailCode: '1234' });
      assert.equal(malformed.status, 400);
      assert.equal(errorCode(malformed), 'invalid_request');

      const ok = await verify(app, USERS.bob, { emailCode: `${code.slice(0, 4)} ${code.slice(4)}` });
      assert.equal(ok.status, 200, ok.text);
      const body = ok.json();
      assert.equal(body.method, 'email');
      assert.equal(typeof body.sessionToken, 'string');
      assert.equal((await me(app, USERS.bob, body.sessionToken)).verifiedUntil, body.verifiedUntil);
      assert.equal((await me(app, USERS.bob)).verifiedUntil, null, 'another browser is not verified');

      const again = await verify(app, USERS.bob, { emailCode: code });
      assert.equal(again.status, 401);
      assert.equal(errorCode(again), 'code_reused');
    });

    it('at most 3 sends in 15 minutes: the 4th is 429 too_many_emails with Retry-After, and 15 minutes after the first it works again', async () => {
      clock.advance(16 * 60_000); // a fresh window
      for (let i = 0; i < 3; i += 1) {
        const ok = await sendCode(USERS.carol);
        assert.equal(ok.status, 202, ok.text);
        await nextMail();
        clock.advance(60_000);
      }
      const refused = await sendCode(USERS.carol);
      assert.equal(refused.status, 429);
      assert.equal(errorCode(refused), 'too_many_emails');
      assert.equal(refused.headers.get('retry-after'), String(12 * 60));
      assert.equal(refused.json().error.details.retryAfterSeconds, 12 * 60);
      assert.equal(received, smtp.messages.length, 'the refused send mailed nothing');
      clock.advance(12 * 60_000);
      const later = await sendCode(USERS.carol);
      assert.equal(later.status, 202);
      await nextMail();
    });

    it('a code expires after 10 minutes (then it is simply wrong)', async () => {
      clock.advance(16 * 60_000);
      assert.equal((await sendCode(USERS.dave)).status, 202);
      const { code } = await nextMail();
      clock.advance(10 * 60_000 + 1000);
      const late = await verify(app, USERS.dave, { emailCode: code });
      assert.equal(late.status, 401);
      assert.equal(errorCode(late), 'invalid_code');
    });

    it('email codes share the lockout budget with the app: wrong email codes lock out, and the TOTP code is then refused too', async () => {
      clock.advance(16 * 60_000);
      const erin = await enroll(app, clock, USERS.erin);
      assert.deepEqual((await me(app, USERS.erin, erin.sessionToken)).methods, ['totp', 'backup_codes', 'email']);
      assert.equal((await sendCode(USERS.erin)).status, 202);
      const { code } = await nextMail();
      const wrong = String((Number(code) + 7) % 100_000_000).padStart(8, '0');
      const answers: number[] = [];
      for (let i = 0; i < 5; i += 1) answers.push((await verify(app, USERS.erin, { emailCode: wrong })).status);
      assert.deepEqual(answers, [401, 401, 401, 401, 429]);
      const locked = await verify(app, USERS.erin, { emailCode: code });
      assert.equal(locked.status, 429);
      assert.equal(errorCode(locked), 'locked_out');
      assert.ok(Number(locked.headers.get('retry-after')) > 0);
      clock.advance(30_000);
      const totp = await verify(app, USERS.erin, { code: codeNow(erin, clock) });
      assert.equal(totp.status, 429);
      assert.equal(errorCode(totp), 'locked_out');
    });

    it('the audit log has the send and the verification with method email, never a code', async () => {
      const response = await app.request('GET', `/api/v1/admin/audit?subject=${USERS.bob}&limit=50`, { token: app.contextToken(USERS.alice) });
      assert.equal(response.status, 200, response.text);
      const entries = response.json().entries as Array<{ action: string; detail: Record<string, unknown> }>;
      const sent = entries.find((entry) => entry.action === 'email_code.sent');
      assert.ok(sent);
      assert.equal(sent.detail.sentTo, 'b***@example.com');
      assert.ok(entries.some((entry) => entry.action === 'verify.succeeded' && entry.detail.method === 'email'));
      assert.ok(entries.some((entry) => entry.action === 'verify.failed' && entry.detail.method === 'email' && entry.detail.reason === 'code_reused'));
      const text = JSON.stringify(entries);
      for (const mail of smtp.messages) assert.equal(text.includes(emailedCode(mail)), false);
    });

    it('a mail server that refuses the message: 503 service_unavailable, and the send is not counted', async () => {
      clock.advance(16 * 60_000);
      smtp.refuseNext = true;
      const refused = await sendCode(USERS.dave);
      assert.equal(refused.status, 503);
      assert.equal(errorCode(refused), 'service_unavailable');
      for (let i = 0; i < 3; i += 1) {
        assert.equal((await sendCode(USERS.dave)).status, 202);
        await nextMail();
      }
    });

    it('under concurrency: one code verifies exactly once, and 6 sends at once get exactly the 3 there is room for', async () => {
      clock.advance(16 * 60_000);
      const sends = await Promise.all(Array.from({ length: 6 }, () => sendCode(USERS.bob)));
      const accepted = sends.filter((r) => r.status === 202).length;
      assert.equal(accepted, 3);
      assert.ok(
        sends.every((r) => r.status === 202 || errorCode(r) === 'too_many_emails'),
        sends.map((r) => r.text).join('\n'),
      );
      for (let i = 0; i < accepted; i += 1) await nextMail();
      const code = emailedCode(smtp.messages.at(-1)!);
      // Four at once: within the lockout budget (5), so that every one is looked at (more would be refused unseen).
      const answers = await Promise.all(Array.from({ length: 4 }, () => verify(app, USERS.bob, { emailCode: code })));
      assert.equal(answers.filter((r) => r.status === 200).length, 1);
      assert.deepEqual(
        answers.filter((r) => r.status !== 200).map((r) => errorCode(r)),
        ['code_reused', 'code_reused', 'code_reused'],
      );
    });

    it('an email code cannot stand in for the factor in a sensitive change', async () => {
      const response = await app.request('DELETE', '/api/v1/me/totp', {
        token: app.contextToken(USERS.bob),
        body: { emailCode: '12345678' },
        headers: session(undefined),
      });
      assert.equal(response.status, 400);
      assert.equal(errorCode(response), 'invalid_request');
    });
  });
}
