import assert from 'node:assert/strict';
import type { FixedClock } from '../../../src/domain/ports/clock';
import { databaseLanes, printLaneNotice } from '../../support/database-lanes';
import { startInstalledApp, type InstalledApp } from '../../support/installed-app';
import { steppedClock } from '../../support/stepped-clock';
import type { TestApp } from '../../support/test-app';
import { USERS, session, codeNow, enroll, errorCode, me, verify, wrongCode, type Enrolled } from './support';

/**
 * The user's second factor through the HTTP API with the sandbox Jira host (CONTRACT "The user's
 * second factor"): enrollment, confirmation, verification with codes and backup codes, replay,
 * lockout and its expiry, sessions, re-enrollment, removal with step-up. The clock is frozen and
 * moved by hand.
 */
for (const lane of databaseLanes()) {
  describe(`Two-step verification through the API (${lane.name})`, () => {
    let installed: InstalledApp<FixedClock>;
    let app: TestApp;
    let clock: FixedClock;
    let bob: Enrolled;

    before(async () => {
      printLaneNotice();
      installed = await startInstalledApp(lane, { clock: steppedClock() });
      ({ app, clock } = installed);
    });
    after(() => installed?.stop());

    it('GET /api/v1/me before enrollment: not enrolled, not required, the ID from the pattern', async () => {
      assert.deepEqual(await me(app, USERS.bob), {
        accountId: USERS.bob,
        twoFactorId: 'bob@example.com',
        twoFactorIdSource: 'derived',
        enrolled: false,
        required: false,
        methods: [],
        availableMethods: ['totp', 'backup_codes', 'access_pass'],
        verifiedUntil: null,
        verifiedAt: null,
        lastVerifiedAt: null,
        pendingEnrollment: false,
        totp: null,
        backupCodes: null,
        lockedUntil: null,
        onboardingRequired: false,
      });
      const response = await verify(app, USERS.bob, { code: '123456' });
      assert.equal(response.status, 409);
      assert.equal(errorCode(response), 'not_enrolled');
    });

    it('POST /api/v1/me/totp: a pending credential shown as URI, QR, base32 and hex; nothing is active yet', async () => {
      const token = app.contextToken(USERS.bob);
      const response = await app.request('POST', '/api/v1/me/totp', { token, body: {} });
      assert.equal(response.status, 201);
      assert.equal(response.headers.get('cache-control'), 'no-store');
      const body = response.json();
      assert.deepEqual(
        Object.keys(body).sort(),
        ['algorithm', 'digits', 'issuer', 'otpauthUri', 'period', 'qrPng', 'secretBase32', 'secretBase32Grouped', 'secretHex', 'twoFactorId'].sort(),
      );
      assert.match(body.secretBase32, /^[A-Z2-7]{32}$/, '20 random bytes, base32 without padding');
      assert.match(body.secretHex, /^[0-9a-f]{40}$/);
      assert.equal(body.secretBase32Grouped.replace(/ /g, ''), body.secretBase32);
      assert.equal(body.otpauthUri, `otpauth://totp/Jira:bob%40example.com?secret=${body.secretBase32}&issuer=Jira&algorithm=SHA1&digits=6&period=30`);
      assert.match(body.qrPng, /^data:image\/png;base64,[A-Za-z0-9+/]+=*$/);
      assert.deepEqual([body.algorithm, body.digits, body.period], ['SHA1', 6, 30]);

      const status = await me(app, USERS.bob);
      assert.equal(status.enrolled, false);
      assert.equal(status.pendingEnrollment, true);
      assert.equal(status.twoFactorIdSource, 'pattern', 'the ID is stored once enrollment starts');
      assert.equal(errorCode(await verify(app, USERS.bob, { code: '123456' })), 'not_enrolled', 'a pending credential does not verify');
    });

    it('refuses parameters no token offers, naming the fields', async () => {
      const response = await app.request('POST', '/api/v1/me/totp', { token: app.contextToken(USERS.bob), body: { algorithm: 'MD5', digits: 7, period: 45 } });
      assert.equal(response.status, 400);
      const fields = response
        .json()
        .error.details.fields.map((f: { field: string }) => f.field)
        .sort();
      assert.deepEqual(fields, ['algorithm', 'digits', 'period']);
    });

    it('confirm: a wrong code is refused; the right one activates and returns 10 backup codes once', async () => {
      const token = app.contextToken(USERS.bob);
      assert.equal(errorCode(await app.request('POST', '/api/v1/me/totp/confirm', { token, body: { code: '000000' } })), 'invalid_code');
      bob = await enroll(app, clock, USERS.bob);
      assert.equal(bob.backupCodes.length, 10);
      assert.equal(new Set(bob.backupCodes).size, 10);
      for (const code of bob.backupCodes) assert.match(code, /^[23456789ABCDEFGHJKMNPQRSTVWXYZ]{5}-[23456789ABCDEFGHJKMNPQRSTVWXYZ]{5}$/);

      assert.match(bob.sessionToken, /^[A-Za-z0-9_-]{43}$/, 'confirming hands this browser its session credential');
      const status = await me(app, USERS.bob, bob.sessionToken);
      assert.equal(status.enrolled, true);
      assert.equal(status.pendingEnrollment, false);
      assert.deepEqual(status.methods, ['totp', 'backup_codes']);
      assert.deepEqual(status.backupCodes, { remaining: 10 });
      assert.deepEqual(status.totp, { algorithm: 'SHA1', digits: 6, period: 30, confirmedAt: clock.now().toISOString() });
      assert.equal(status.verifiedUntil, new Date(clock.now().getTime() + 12 * 3600_000).toISOString(), 'confirming counts as verifying');
      assert.equal(JSON.stringify(status).includes(bob.started.secretBase32), false, 'the secret is never returned again');
      assert.equal(errorCode(await app.request('POST', '/api/v1/me/totp/confirm', { token, body: { code: codeNow(bob, clock) } })), 'no_pending_enrollment');
    });

    it('confirm: wrong codes count toward the lockout, so a set-up left open cannot be guessed', async () => {
      const token = app.contextToken(USERS.erin);
      const started = await app.request('POST', '/api/v1/me/totp', { token, body: {} });
      assert.equal(started.status, 201);
      for (let left = 4; left >= 1; left -= 1) {
        const refused = await app.request('POST', '/api/v1/me/totp/confirm', { token, body: { code: '000000' } });
        assert.equal(errorCode(refused), 'invalid_code');
        assert.equal(refused.json().error.details.attemptsLeft, left);
      }
      const locked = await app.request('POST', '/api/v1/me/totp/confirm', { token, body: { code: '000000' } });
      assert.equal(locked.status, 429);
      assert.equal(errorCode(locked), 'locked_out');
      assert.ok(Number(locked.headers.get('retry-after')) > 0, 'Retry-After says when to try again');
      assert.equal((await me(app, USERS.erin)).enrolled, false);
    });

    it('verify: the confirmation code cannot be used again; the next step is accepted once', async () => {
      const reused = await verify(app, USERS.bob, { code: codeNow(bob, clock) });
      assert.equal(reused.status, 401);
      assert.equal(errorCode(reused), 'code_reused');

      clock.advance(30_000);
      const fresh = codeNow(bob, clock);
      const accepted = await verify(app, USERS.bob, { code: fresh });
      assert.equal(accepted.status, 200, accepted.text);
      const { sessionToken, ...answer } = accepted.json();
      assert.deepEqual(answer, {
        verifiedUntil: new Date(clock.now().getTime() + 12 * 3600_000).toISOString(),
        verifiedAt: clock.now().toISOString(),
        method: 'totp',
      });
      assert.match(sessionToken, /^[A-Za-z0-9_-]{43}$/);
      bob.sessionToken = sessionToken;
      assert.equal(errorCode(await verify(app, USERS.bob, { code: fresh })), 'code_reused');
      assert.equal(errorCode(await verify(app, USERS.bob, { code: codeNow(bob, clock, -1) })), 'code_reused', 'an older step after a newer one is refused too');
    });

    it('verify: accepts a code one step off (clock drift), not two; spaces and dashes are ignored', async () => {
      clock.advance(60_000);
      assert.equal(errorCode(await verify(app, USERS.bob, { code: codeNow(bob, clock, 2) })), 'invalid_code');
      const ahead = codeNow(bob, clock, 1);
      assert.equal((await verify(app, USERS.bob, { code: `${ahead.slice(0, 3)} ${ahead.slice(3)}` })).status, 200);
    });

    it('verify: a backup code works once, typed in any case, in the code field too', async () => {
      const [first, second] = bob.backupCodes as [string, string];
      assert.equal((await verify(app, USERS.bob, { backupCode: first.toLowerCase() })).status, 200);
      assert.equal(errorCode(await verify(app, USERS.bob, { backupCode: first })), 'code_reused');
      assert.equal((await verify(app, USERS.bob, { code: second.replace('-', '') })).status, 200);
      assert.deepEqual((await me(app, USERS.bob)).backupCodes, { remaining: 8 });
      assert.equal(errorCode(await verify(app, USERS.bob, { backupCode: 'AAAAA-BBBBB' })), 'invalid_code');
    });

    it('verify: input that cannot be a code is 400 invalid_request naming the digits, and costs no attempt', async () => {
      for (const body of [
        { code: '12345' },
        { code: '1234567' },
        { code: '12a456' },
        { code: 'garbage' },
        { backupCode: 'ABCDE' },
        { backupCode: '00000-11111' },
      ]) {
        const response = await verify(app, USERS.bob, body);
        assert.equal(response.status, 400, JSON.stringify(body));
        assert.equal(errorCode(response), 'invalid_request');
      }
      const short = (await verify(app, USERS.bob, { code: '12345' })).json().error;
      assert.deepEqual(short.details.fields, [{ field: 'code', problem: 'must be 6 digits' }]);
      assert.equal(short.details.digits, 6);
      // The one failure the last test left is all there is: none of the above was counted.
      const wrong = await verify(app, USERS.bob, { code: wrongCode(bob, clock) });
      assert.equal(wrong.json().error.details.attemptsLeft, 3);
    });

    it('locks out after 5 wrong codes (429 with Retry-After), refuses even a right code then, and lifts it after 15 minutes', async () => {
      clock.advance(60_000);
      assert.equal((await verify(app, USERS.bob, { code: codeNow(bob, clock) })).status, 200, 'a clean slate (the last tests left two failures)');
      const wrong = wrongCode(bob, clock);
      for (let attempt = 1; attempt <= 4; attempt += 1) {
        const response = await verify(app, USERS.bob, { code: wrong });
        assert.equal(response.status, 401);
        assert.equal(response.json().error.details.attemptsLeft, 5 - attempt);
      }
      const fifth = await verify(app, USERS.bob, { code: wrong });
      assert.equal(fifth.status, 429);
      assert.equal(errorCode(fifth), 'locked_out');
      assert.equal(fifth.headers.get('retry-after'), '900');
      const lockedUntil = new Date(clock.now().getTime() + 15 * 60_000).toISOString();
      assert.equal((await me(app, USERS.bob)).lockedUntil, lockedUntil, 'GET /me tells the Verify page when the lockout ends');

      clock.advance(5 * 60_000);
      const whileLocked = await verify(app, USERS.bob, { code: codeNow(bob, clock) });
      assert.equal(whileLocked.status, 429);
      assert.equal(whileLocked.headers.get('retry-after'), '600');
      assert.equal((await verify(app, USERS.bob, { backupCode: bob.backupCodes[5]! })).status, 429, 'backup codes are locked out too');

      clock.advance(10 * 60_000);
      assert.equal((await me(app, USERS.bob)).lockedUntil, null, 'the lockout is over');
      assert.equal((await verify(app, USERS.bob, { code: codeNow(bob, clock) })).status, 200);
    });

    it('the boundary of lockout.maxFailures: maxFailures - 1 wrong codes leave the right one its way in; the maxFailures-th locks', async () => {
      clock.advance(60_000);
      const wrong = wrongCode(bob, clock);
      for (let attempt = 1; attempt <= 4; attempt += 1) assert.equal(errorCode(await verify(app, USERS.bob, { code: wrong })), 'invalid_code');
      assert.equal((await me(app, USERS.bob)).lockedUntil, null, 'four of five: not locked');
      assert.equal((await verify(app, USERS.bob, { code: codeNow(bob, clock) })).status, 200, 'the right code after maxFailures - 1 wrong ones');
      clock.advance(30_000);
      const next = wrongCode(bob, clock);
      for (let attempt = 1; attempt <= 4; attempt += 1) assert.equal(errorCode(await verify(app, USERS.bob, { code: next })), 'invalid_code');
      assert.equal(errorCode(await verify(app, USERS.bob, { code: next })), 'locked_out', 'the 5th wrong code reaches maxFailures and locks');
      assert.equal(errorCode(await verify(app, USERS.bob, { code: codeNow(bob, clock) })), 'locked_out', 'and then even the right code waits');
      clock.advance(15 * 60_000);
      assert.equal((await verify(app, USERS.bob, { code: codeNow(bob, clock) })).status, 200);
    });

    it('a success resets the count: four failures, a success, four more, and no lockout', async () => {
      clock.advance(30_000);
      const wrong = wrongCode(bob, clock);
      for (let i = 0; i < 4; i += 1) assert.equal((await verify(app, USERS.bob, { code: wrong })).status, 401);
      assert.equal((await verify(app, USERS.bob, { code: codeNow(bob, clock) })).status, 200);
      for (let i = 0; i < 4; i += 1) assert.equal((await verify(app, USERS.bob, { code: wrong })).status, 401);
      clock.advance(30_000);
      assert.equal((await verify(app, USERS.bob, { code: codeNow(bob, clock) })).status, 200);
    });

    it('the session ends at verifiedUntil', async () => {
      const latest = await verify(app, USERS.bob, { backupCode: bob.backupCodes[8]! });
      assert.equal(latest.json().backupCodesLeft, (await me(app, USERS.bob)).backupCodes.remaining, 'a backup code used: how many are left');
      bob.sessionToken = latest.json().sessionToken;
      clock.advance(12 * 3600_000 - 1);
      assert.notEqual((await me(app, USERS.bob, bob.sessionToken)).verifiedUntil, null);
      clock.advance(1);
      assert.equal((await me(app, USERS.bob, bob.sessionToken)).verifiedUntil, null);
      clock.advance(30_000);
      assert.equal((await verify(app, USERS.bob, { code: codeNow(bob, clock) })).status, 200);
    });

    it('re-enrolling needs a code of the old factor in the request, and replaces the old credential only when the new one is confirmed', async () => {
      clock.advance(6 * 60_000);
      const token = app.contextToken(USERS.bob);
      const verified = await verify(app, USERS.bob, { code: codeNow(bob, clock) });
      const headers = session(verified.json().sessionToken);
      const refused = await app.request('POST', '/api/v1/me/totp', { token, headers, body: {} });
      assert.equal(refused.status, 403, 'a session verified this moment is not a code for the action');
      assert.deepEqual([errorCode(refused), refused.json().error.details.reason], ['verification_required', 'code']);
      clock.advance(30_000);
      const started = await app.request('POST', '/api/v1/me/totp', { token, body: { algorithm: 'SHA256', digits: 8, period: 60, code: codeNow(bob, clock) } });
      assert.equal(started.status, 201);
      assert.equal(started.json().twoFactorId, 'bob@example.com', 'the ID stays the same');
      clock.advance(30_000);
      assert.equal((await verify(app, USERS.bob, { code: codeNow(bob, clock) })).status, 200, 'the old credential works until the new one is confirmed');

      const old = bob;
      clock.advance(60_000);
      bob = await enroll(app, clock, USERS.bob, { algorithm: 'SHA256', digits: 8, period: 60, backupCode: old.backupCodes[7]! });
      assert.deepEqual(bob.params, { algorithm: 'SHA256', digits: 8, period: 60 });
      clock.advance(30_000);
      // The old credential made 6-digit codes; the new one takes 8, so an old code is not even a code now.
      assert.equal(errorCode(await verify(app, USERS.bob, { code: codeNow(old, clock) })), 'invalid_request', 'the old credential is gone');
      assert.equal(errorCode(await verify(app, USERS.bob, { backupCode: old.backupCodes[9]! })), 'invalid_code', 'and so is its set of backup codes');
      clock.advance(60_000);
      assert.equal((await verify(app, USERS.bob, { code: codeNow(bob, clock) })).status, 200);
    });

    it('a set-up in progress can be cancelled without touching the active credential', async () => {
      const token = app.contextToken(USERS.bob);
      assert.equal((await app.request('POST', '/api/v1/me/totp', { token, body: { backupCode: bob.backupCodes[1]! } })).status, 201);
      assert.equal((await app.request('DELETE', '/api/v1/me/totp/pending', { token })).status, 204);
      const status = await me(app, USERS.bob);
      assert.equal(status.pendingEnrollment, false);
      assert.equal(status.enrolled, true);
    });

    it('new backup codes need a code in the request (answered as /me/verify answers it) and void the old set', async () => {
      const token = app.contextToken(USERS.bob);
      clock.advance(6 * 60_000);
      const verified = await verify(app, USERS.bob, { code: codeNow(bob, clock) });
      const refused = await app.request('POST', '/api/v1/me/backup-codes', { token, headers: session(verified.json().sessionToken) });
      assert.deepEqual(
        [refused.status, errorCode(refused), refused.json().error.details],
        [403, 'verification_required', { reason: 'code', action: 'backup_codes.regenerate', accepts: ['code', 'backupCode'] }],
      );
      const wrong = await app.request('POST', '/api/v1/me/backup-codes', { token, body: { code: wrongCode(bob, clock) } });
      assert.deepEqual([wrong.status, errorCode(wrong), wrong.json().error.details.attemptsLeft], [401, 'invalid_code', 4]);
      assert.equal(errorCode(await app.request('POST', '/api/v1/me/backup-codes', { token, body: { code: codeNow(bob, clock) } })), 'code_reused');
      clock.advance(60_000);
      const response = await app.request('POST', '/api/v1/me/backup-codes', { token, body: { code: codeNow(bob, clock) } });
      assert.equal(response.status, 201);
      const fresh: string[] = response.json().backupCodes;
      assert.equal(fresh.length, 10);
      assert.equal(errorCode(await verify(app, USERS.bob, { backupCode: bob.backupCodes[0]! })), 'invalid_code');
      assert.equal((await verify(app, USERS.bob, { backupCode: fresh[0]! })).status, 200);
      assert.deepEqual((await me(app, USERS.bob)).backupCodes, { remaining: 9 });
      bob = { ...bob, backupCodes: fresh };
    });

    it('DELETE /api/v1/me/totp needs a code in the request, then removes everything and ends every browser session', async () => {
      const token = app.contextToken(USERS.bob);
      const verified = await verify(app, USERS.bob, { backupCode: bob.backupCodes[1]! });
      assert.equal(verified.status, 200);
      const headers = session(verified.json().sessionToken);
      const refused = await app.request('DELETE', '/api/v1/me/totp', { token, headers });
      assert.equal(refused.status, 403, 'a fresh session is not enough');
      assert.deepEqual([errorCode(refused), refused.json().error.details.reason], ['verification_required', 'code']);
      assert.equal((await me(app, USERS.bob)).enrolled, true);
      assert.equal(errorCode(await app.request('DELETE', '/api/v1/me/totp', { token, headers, body: { backupCode: bob.backupCodes[1]! } })), 'code_reused');

      assert.equal((await app.request('DELETE', '/api/v1/me/totp', { token, headers, body: { backupCode: bob.backupCodes[3]! } })).status, 204);
      const status = await me(app, USERS.bob, verified.json().sessionToken);
      assert.equal(status.enrolled, false);
      assert.deepEqual(status.methods, []);
      assert.equal(status.verifiedUntil, null, 'the session ends with the factor');
      assert.equal(errorCode(await verify(app, USERS.bob, { backupCode: bob.backupCodes[2]! })), 'not_enrolled');
    });

    it('refuses malformed bodies with 400 invalid_request', async () => {
      const token = app.contextToken(USERS.carol);
      for (const body of [{}, { code: 123456 }, { code: '1', backupCode: '2' }, { code: '' }, { code: 'x'.repeat(65) }]) {
        const response = await app.request('POST', '/api/v1/me/verify', { token, body });
        assert.equal(response.status, 400, JSON.stringify(body));
        assert.equal(errorCode(response), 'invalid_request');
      }
    });
  });
}
