import assert from 'node:assert/strict';
import { timeStepAt, totpAtStep } from '../../../../src/domain/mfa/totp';
import { defaultPolicy } from '../../../../src/domain/policy/policy';
import { assertRejectsCode } from './fixtures';
import { ALICE, TENANT, harness } from './service-harness';

describe('EnrollmentService, FactorManagement, StepUp and FactorStatusService (frozen clock)', () => {
  describe('enrollment', () => {
    it('starts a pending credential: a fresh 20-byte secret, the key URI with the service name and the 2FA ID', async () => {
      const h = harness();
      const started = await h.enrollment.start(TENANT, ALICE, h.policy, {});
      assert.equal(started.secret.length, 20);
      assert.deepEqual(started.params, { algorithm: 'SHA1', digits: 6, period: 30 });
      assert.equal(started.twoFactorId, 'alice@example.com', 'from %email%, lower-cased');
      assert.equal(started.issuer, 'acme.atlassian.net');
      assert.ok(started.otpauthUri.startsWith('otpauth://totp/acme.atlassian.net:alice%40example.com?secret='));
      assert.equal((await h.credentials.findPending(TENANT.clientKey, ALICE))?.id !== undefined, true);
      assert.equal(await h.credentials.findActive(TENANT.clientKey, ALICE), null);
      assert.deepEqual(h.audit.actions(), ['totp.enrollment_started']);
    });

    it('takes the defaults from the policy and lets the user pick token parameters', async () => {
      const h = harness({ totp: { algorithm: 'SHA256', digits: 8, period: 60, window: 1 } });
      assert.deepEqual((await h.enrollment.start(TENANT, ALICE, h.policy, {})).params, { algorithm: 'SHA256', digits: 8, period: 60 });
      assert.deepEqual((await h.enrollment.start(TENANT, ALICE, h.policy, { algorithm: 'SHA1', digits: 6 })).params, {
        algorithm: 'SHA1',
        digits: 6,
        period: 60,
      });
      await assertRejectsCode(h.enrollment.start(TENANT, ALICE, h.policy, { digits: 7 }), 'invalid_request');
    });

    it('confirms only with a code of the new secret; then the credential is active and the user verified', async () => {
      const h = harness();
      const started = await h.enrollment.start(TENANT, ALICE, h.policy, {});
      await assertRejectsCode(h.enrollment.confirm(TENANT, ALICE, h.policy, '000000'), 'invalid_code');
      const code = totpAtStep(started.secret, timeStepAt(h.clock.now(), 30), started.params);
      const { backupCodes } = await h.enrollment.confirm(TENANT, ALICE, h.policy, code);
      assert.equal(backupCodes.length, 10);
      const active = await h.credentials.findActive(TENANT.clientKey, ALICE);
      assert.equal(active?.lastUsedStep, timeStepAt(h.clock.now(), 30), 'the confirmation code is spent');
      assert.deepEqual((await h.sessions.find(TENANT.clientKey, ALICE))?.verifiedAt, h.clock.now());
      await assertRejectsCode(h.enrollment.confirm(TENANT, ALICE, h.policy, code), 'no_pending_enrollment');
      const stored = await h.backupCodes.list(TENANT.clientKey, ALICE);
      assert.ok(stored.every((c) => c.hash.startsWith('scrypt$') && !backupCodes.some((code) => c.hash.includes(code))));
    });

    it('re-enrolling needs a code of the old factor entered for it (a fresh session is not enough), and swaps the credential only on confirmation', async () => {
      const h = harness();
      const first = await h.enrolled();
      h.clock.advance(30_000);
      await h.verification.verify(h.context(), { code: first.codeAt() }); // verified this very moment
      h.clock.advance(30_000);
      const refused = await h.enrollment.start(TENANT, ALICE, h.policy, {}).then(
        () => assert.fail('replaced without a code'),
        (e: unknown) => e as { code: string; details: unknown },
      );
      assert.equal(refused.code, 'verification_required');
      assert.deepEqual(refused.details, { reason: 'code', action: 'totp.replace', accepts: ['code', 'backupCode'] });
      await assertRejectsCode(h.enrollment.start(TENANT, ALICE, h.policy, {}, { code: first.wrongCode() }), 'invalid_code');
      assert.equal(h.failures.user(TENANT.clientKey, ALICE).failures, 1, 'a wrong code for an action counts toward the lockout budget');
      const second = await h.enrollment.start(TENANT, ALICE, h.policy, {}, { code: first.codeAt() });
      const proved = h.audit.entries.find((entry) => entry.action === 'verify.succeeded' && entry.detail.for === 'totp.replace');
      assert.ok(proved, 'the code for the action is audited as such');
      await assertRejectsCode(h.enrollment.start(TENANT, ALICE, h.policy, {}, { code: first.codeAt() }), 'code_reused');
      assert.equal((await h.credentials.findActive(TENANT.clientKey, ALICE))?.secret.equals(first.secret), true, 'the old one stays active meanwhile');
      h.clock.advance(30_000);
      await h.enrollment.confirm(TENANT, ALICE, h.policy, totpAtStep(second.secret, timeStepAt(h.clock.now(), 30), second.params));
      assert.equal((await h.credentials.findActive(TENANT.clientKey, ALICE))?.secret.equals(second.secret), true);
      assert.equal(h.credentials.rows.filter((r) => r.accountId === ALICE).length, 1);
      assert.equal(h.audit.entries.at(-1)?.detail.replaced, true);
    });

    it('holds confirmation codes to the lockout budget: wrong ones are counted and audited, the limit locks out', async () => {
      const h = harness();
      const started = await h.enrollment.start(TENANT, ALICE, h.policy, {});
      const wrong = totpAtStep(started.secret, timeStepAt(h.clock.now(), 30) + 50, started.params);
      for (let left = 4; left >= 1; left -= 1) {
        const error = (await h.enrollment.confirm(TENANT, ALICE, h.policy, wrong).then(
          () => assert.fail('accepted a wrong code'),
          (e: unknown) => e,
        )) as { code: string; details: { attemptsLeft: number } };
        assert.equal(error.code, 'invalid_code');
        assert.equal(error.details.attemptsLeft, left);
      }
      await assertRejectsCode(h.enrollment.confirm(TENANT, ALICE, h.policy, wrong), 'locked_out');
      const right = totpAtStep(started.secret, timeStepAt(h.clock.now(), 30), started.params);
      await assertRejectsCode(h.enrollment.confirm(TENANT, ALICE, h.policy, right), 'locked_out'); // the right code waits too
      await assertRejectsCode(h.verification.verify(h.context(), { code: right }), 'locked_out'); // one budget for confirming and verifying
      assert.equal(h.audit.actions().filter((a) => a === 'totp.confirm_failed').length, 5);
      assert.equal(h.audit.actions().filter((a) => a === 'lockout').length, 1);
      assert.equal(await h.credentials.findActive(TENANT.clientKey, ALICE), null);

      h.clock.advance(15 * 60_000);
      const fresh = await h.enrollment.start(TENANT, ALICE, h.policy, {});
      await h.enrollment.confirm(TENANT, ALICE, h.policy, totpAtStep(fresh.secret, timeStepAt(h.clock.now(), 30), fresh.params));
      assert.equal(h.failures.user(TENANT.clientKey, ALICE).failures, 0, 'a success clears the count');
    });

    it('lets a set-up expire after 15 minutes: its codes no longer confirm it', async () => {
      const h = harness();
      const started = await h.enrollment.start(TENANT, ALICE, h.policy, {});
      h.clock.advance(15 * 60_000 + 1);
      const code = totpAtStep(started.secret, timeStepAt(h.clock.now(), 30), started.params);
      await assertRejectsCode(h.enrollment.confirm(TENANT, ALICE, h.policy, code), 'no_pending_enrollment');
      assert.equal(await h.credentials.findPending(TENANT.clientKey, ALICE), null, 'the stale set-up is gone');
      assert.equal(h.failures.user(TENANT.clientKey, ALICE).failures, 0, 'an expired set-up costs no attempt');
    });

    it('cancelling drops only the set-up in progress', async () => {
      const h = harness();
      const alice = await h.enrolled();
      await h.enrollment.start(TENANT, ALICE, h.policy, {}, { backupCode: alice.backupCodes[0]! });
      assert.notEqual(await h.credentials.findPending(TENANT.clientKey, ALICE), null);
      await h.enrollment.cancel(TENANT, ALICE);
      assert.equal(await h.credentials.findPending(TENANT.clientKey, ALICE), null);
      assert.notEqual(await h.credentials.findActive(TENANT.clientKey, ALICE), null);
    });
  });

  describe('removal, resets and backup codes', () => {
    it("removing one's own factor needs a code entered for it, then removes codes and every browser session", async () => {
      const h = harness();
      const alice = await h.enrolled();
      h.clock.advance(30_000);
      const verified = await h.verification.verify(h.context(), { code: alice.codeAt() });
      h.clock.advance(30_000);
      await assertRejectsCode(h.factors.removeOwn(TENANT.clientKey, ALICE, h.policy, null), 'verification_required');
      await assertRejectsCode(h.factors.removeOwn(TENANT.clientKey, ALICE, h.policy, { code: alice.wrongCode() }), 'invalid_code');
      assert.notEqual(await h.credentials.findActive(TENANT.clientKey, ALICE), null, 'nothing was removed');
      assert.notEqual(await h.browserSessions.current(TENANT.clientKey, ALICE, verified.sessionToken), null);
      await h.factors.removeOwn(TENANT.clientKey, ALICE, h.policy, { code: alice.codeAt() });
      assert.equal(await h.credentials.findActive(TENANT.clientKey, ALICE), null);
      assert.equal(await h.backupCodes.countUnused(TENANT.clientKey, ALICE), 0);
      assert.equal(await h.sessions.find(TENANT.clientKey, ALICE), null);
      assert.equal(await h.browserSessions.current(TENANT.clientKey, ALICE, verified.sessionToken), null, 'the browser session ended');
      assert.equal(h.browserSessionRows.rows.size, 0);
      assert.deepEqual(h.audit.entries.at(-1)?.detail, { totpCredentials: 1, backupCodesRemoved: 10 });
    });

    it('a code for an action is held to the lockout budget and the replay guard, and starts no session', async () => {
      const h = harness();
      const alice = await h.enrolled();
      const sessionsBefore = h.browserSessionRows.rows.size;
      h.clock.advance(30_000);
      for (let i = 0; i < 4; i += 1)
        await assertRejectsCode(h.factors.regenerateBackupCodes(TENANT.clientKey, ALICE, h.policy, { code: alice.wrongCode() }), 'invalid_code');
      await assertRejectsCode(h.factors.regenerateBackupCodes(TENANT.clientKey, ALICE, h.policy, { code: alice.wrongCode() }), 'locked_out');
      await assertRejectsCode(h.factors.regenerateBackupCodes(TENANT.clientKey, ALICE, h.policy, { code: alice.codeAt() }), 'locked_out');
      h.clock.advance(15 * 60_000);
      await h.factors.regenerateBackupCodes(TENANT.clientKey, ALICE, h.policy, { code: alice.codeAt() });
      assert.equal(h.browserSessionRows.rows.size, sessionsBefore, 'a code for an action opens no session');
      await assertRejectsCode(h.verification.verify(h.context(), { code: alice.codeAt() }), 'code_reused');
    });

    it('an admin reset removes everything, ends every browser session of the user and lifts a lockout', async () => {
      const h = harness();
      const alice = await h.enrolled();
      for (let i = 0; i < 4; i += 1) await assertRejectsCode(h.verification.verify(h.context(), { code: alice.wrongCode() }), 'invalid_code');
      await assertRejectsCode(h.verification.verify(h.context(), { code: alice.wrongCode() }), 'locked_out');
      assert.notEqual(h.failures.user(TENANT.clientKey, ALICE).lockedUntil, null, 'the fifth failure locked Alice out');
      assert.notEqual(await h.browserSessions.current(TENANT.clientKey, ALICE, alice.sessionToken), null);
      await h.factors.adminReset(TENANT.clientKey, 'the-admin', ALICE, h.policy, null);
      assert.equal(await h.credentials.findActive(TENANT.clientKey, ALICE), null);
      assert.equal(h.failures.user(TENANT.clientKey, ALICE).lockedUntil, null);
      assert.equal(await h.browserSessions.current(TENANT.clientKey, ALICE, alice.sessionToken), null, "the browser's session ended");
      const reset = h.audit.entries.at(-1)!;
      assert.deepEqual([reset.action, reset.actorAccountId, reset.subjectAccountId], ['admin.reset', 'the-admin', ALICE]);
    });

    it('an admin resetting their own factor needs a code entered for it, as removing it does', async () => {
      const h = harness();
      const alice = await h.enrolled();
      h.clock.advance(30_000);
      await assertRejectsCode(h.factors.adminReset(TENANT.clientKey, ALICE, ALICE, h.policy, null), 'verification_required');
      assert.notEqual(await h.credentials.findActive(TENANT.clientKey, ALICE), null, 'nothing was removed');
      await h.factors.adminReset(TENANT.clientKey, ALICE, ALICE, h.policy, { code: alice.codeAt() });
      assert.equal(await h.credentials.findActive(TENANT.clientKey, ALICE), null);
      // Another user's reset needs no code (the route asks for a recent session of the admin's browser).
      await h.enrolled('bob-account');
      h.clock.advance(60 * 60_000);
      await h.factors.adminReset(TENANT.clientKey, ALICE, 'bob-account', h.policy, null);
    });

    it('an admin unlock lifts a lockout, keeps the factors, and is audited', async () => {
      const h = harness();
      const alice = await h.enrolled();
      h.clock.advance(30_000);
      for (let i = 0; i < 5; i += 1) await h.verification.verify(h.context(), { code: alice.wrongCode() }).catch(() => undefined);
      const lockedUntil = h.failures.user(TENANT.clientKey, ALICE).lockedUntil;
      assert.notEqual(lockedUntil, null);
      await assertRejectsCode(h.verification.verify(h.context(), { code: alice.codeAt() }), 'locked_out');
      await h.factors.unlock(TENANT.clientKey, 'the-admin', ALICE);
      const unlocked = h.audit.entries.at(-1)!;
      assert.deepEqual(
        [unlocked.action, unlocked.actorAccountId, unlocked.subjectAccountId, unlocked.detail],
        ['user.unlocked', 'the-admin', ALICE, { wasLockedUntil: lockedUntil!.toISOString() }],
      );
      assert.equal((await h.verification.verify(h.context(), { code: alice.codeAt() })).method, 'totp');
    });

    it('new backup codes need a code entered for them (a backup code will do) and void the old set', async () => {
      const h = harness();
      const alice = await h.enrolled();
      await assertRejectsCode(h.factors.regenerateBackupCodes(TENANT.clientKey, ALICE, h.policy, null), 'verification_required');
      const { backupCodes } = await h.factors.regenerateBackupCodes(TENANT.clientKey, ALICE, h.policy, { backupCode: alice.backupCodes[1]! });
      assert.equal(backupCodes.length, 10);
      assert.equal(
        backupCodes.some((code) => alice.backupCodes.includes(code)),
        false,
      );
      await assertRejectsCode(h.verification.verify(h.context(), { backupCode: alice.backupCodes[0]! }), 'invalid_code');
    });
  });

  describe('sessions bound to the browser', () => {
    it('a verification in one browser does not verify another: only the presented credential counts', async () => {
      const h = harness();
      const alice = await h.enrolled();
      h.clock.advance(30_000);
      const first = await h.verification.verify(h.context(), { code: alice.codeAt() });
      assert.match(first.sessionToken, /^[A-Za-z0-9_-]{43}$/, '256 bits, base64url');
      assert.notEqual(first.sessionToken, alice.sessionToken, 'each verification its own credential');
      const stored = [...h.browserSessionRows.rows.keys()];
      assert.ok(
        stored.every((hash) => /^[0-9a-f]{64}$/.test(hash) && hash !== first.sessionToken),
        'only hashes are stored',
      );
      assert.equal((await h.status.status(TENANT, ALICE, h.policy, first.sessionToken)).verifiedUntil?.getTime(), first.verifiedUntil.getTime());
      const otherBrowser = await h.status.status(TENANT, ALICE, h.policy, null);
      assert.equal(otherBrowser.verifiedUntil, null, 'a browser without a credential is not verified');
      assert.equal(otherBrowser.lastVerifiedAt?.getTime(), first.verifiedAt.getTime(), 'the account-level time stays, as a display');
      assert.equal((await h.status.status(TENANT, ALICE, h.policy, 'A'.repeat(43))).verifiedUntil, null, 'an unknown credential');
      assert.equal(await h.browserSessions.current(TENANT.clientKey, 'bob-account', first.sessionToken), null, "another user's credential");
      assert.equal(await h.browserSessions.current('tenant-b', ALICE, first.sessionToken), null, "another tenant's");
      h.clock.advance(12 * 60 * 60_000);
      assert.equal(await h.browserSessions.current(TENANT.clientKey, ALICE, first.sessionToken), null, 'ended with the session timeout');
    });

    it('a backup code starts a browser session too, and tells how many codes are left', async () => {
      const h = harness();
      const alice = await h.enrolled();
      const verified = await h.verification.verify(h.context(), { backupCode: alice.backupCodes[3]! });
      assert.equal(verified.backupCodesLeft, 9);
      assert.notEqual(await h.browserSessions.current(TENANT.clientKey, ALICE, verified.sessionToken), null);
    });

    it('clears the expired sessions of the user on the next verification', async () => {
      const h = harness();
      const alice = await h.enrolled();
      h.clock.advance(13 * 60 * 60_000);
      await h.verification.verify(h.context(), { code: alice.codeAt() });
      assert.equal(h.browserSessionRows.rows.size, 1, "the confirmation's expired session is gone");
    });
  });

  describe('step-up for admins (sudo mode)', () => {
    it('lets an unenrolled admin through; an enrolled one only with a session of this browser verified within stepUpMinutes', async () => {
      const h = harness();
      await h.stepUp.requireRecentSession(TENANT.clientKey, ALICE, null, 5);
      const alice = await h.enrolled();
      await h.stepUp.requireRecentSession(TENANT.clientKey, ALICE, alice.sessionToken, 5);
      const elsewhere = await h.stepUp.requireRecentSession(TENANT.clientKey, ALICE, null, 5).then(
        () => assert.fail('another browser passed'),
        (e: unknown) => e as { code: string; details: unknown },
      );
      assert.deepEqual([elsewhere.code, elsewhere.details], ['verification_required', { reason: 'session', withinMinutes: 5 }]);
      h.clock.advance(5 * 60_000 + 1);
      const stale = await h.stepUp.requireRecentSession(TENANT.clientKey, ALICE, alice.sessionToken, 5).then(
        () => assert.fail('an old session passed'),
        (e: unknown) => e as { code: string; details: unknown },
      );
      assert.deepEqual([stale.code, stale.details], ['verification_required', { reason: 'recent', withinMinutes: 5 }]);
      const again = await h.verification.verify(h.context(), { code: alice.codeAt() });
      await h.stepUp.requireRecentSession(TENANT.clientKey, ALICE, again.sessionToken, 5);
      await assertRejectsCode(h.stepUp.requireRecentSession(TENANT.clientKey, ALICE, alice.sessionToken, 5), 'verification_required');
    });
  });

  describe('status', () => {
    it('tells enrolled, methods, remaining codes, the session and whether the policy requires it', async () => {
      const h = harness({ enforcedGroups: ['Developers'] });
      const before = await h.status.status(TENANT, ALICE, h.policy);
      assert.deepEqual([before.enrolled, before.required, before.methods, before.twoFactorIdSource, before.backupCodes], [false, true, [], 'derived', null]);
      await h.enrolled();
      const after = await h.status.status(TENANT, ALICE, h.policy);
      assert.deepEqual(
        [after.enrolled, after.methods, after.backupCodes, after.twoFactorIdSource],
        [true, ['totp', 'backup_codes'], { remaining: 10 }, 'pattern'],
      );
      assert.equal((await h.status.status(TENANT, 'bob-account', h.policy)).required, false);
    });

    it('does not list backup codes as working when the policy turned them off', async () => {
      const h = harness();
      await h.enrolled();
      const off = { ...h.policy, methods: ['totp'] as const };
      const status = await h.status.status(TENANT, ALICE, off);
      assert.deepEqual([status.methods, status.backupCodes], [['totp'], null]);
    });

    it('reads the enrollment without opening a secret', async () => {
      const h = harness();
      const alice = await h.enrolled();
      await h.enrollment.start(TENANT, ALICE, h.policy, { digits: 8 }, { backupCode: alice.backupCodes[0]! });
      const reads = h.credentials.stateReads;
      const findActive = h.credentials.findActive.bind(h.credentials);
      h.credentials.findActive = () => assert.fail('the status needs no secret');
      h.credentials.findPending = () => assert.fail('the status needs no secret');
      const status = await h.status.status(TENANT, ALICE, h.policy);
      h.credentials.findActive = findActive;
      assert.equal(h.credentials.stateReads, reads + 1, 'one query');
      assert.deepEqual([status.enrolled, status.pendingEnrollment, status.totp?.digits, status.totp?.confirmedAt], [true, true, 6, h.clock.now()]);
    });

    it('fails closed when the host cannot say which groups a user is in, and asks nothing without enforced groups', async () => {
      const h = harness({ enforcedGroups: ['developers'] });
      h.directory.failGroups = true;
      assert.equal((await h.status.status(TENANT, ALICE, h.policy)).required, true);
      const calls = h.directory.calls;
      assert.equal(await h.status.isRequired(TENANT, ALICE, defaultPolicy(TENANT.baseUrl)), false);
      assert.equal(h.directory.calls, calls);
    });
  });
});
