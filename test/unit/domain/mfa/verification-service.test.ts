import assert from 'node:assert/strict';
import { isTwofoldError } from '../../../../src/domain/errors';
import { defaultPolicy } from '../../../../src/domain/policy/policy';
import { assertRejectsCode } from './fixtures';
import { ALICE, T0, TENANT, harness } from './service-harness';

/** What a rejected verification carried, for assertions on details and Retry-After. */
async function refusal(promise: Promise<unknown>): Promise<{ code: string; details: Record<string, unknown> | undefined; retryAfter: number | undefined }> {
  try {
    await promise;
  } catch (error) {
    if (isTwofoldError(error)) return { code: error.code, details: error.details as Record<string, unknown> | undefined, retryAfter: error.retryAfterSeconds };
    throw error;
  }
  assert.fail('expected a refusal');
}

describe('VerificationService (frozen clock)', () => {
  describe('codes, windows and drift', () => {
    it('accepts the current code and starts a session of the policy length', async () => {
      const h = harness();
      const alice = await h.enrolled();
      h.clock.advance(30_000);
      const result = await h.verification.verify(h.context(), { code: alice.codeAt() });
      assert.equal(result.method, 'totp');
      assert.deepEqual(result.verifiedAt, h.clock.now());
      assert.equal(result.verifiedUntil.getTime() - h.clock.now().getTime(), 720 * 60_000);
      assert.deepEqual(await h.sessions.find(TENANT.clientKey, ALICE), { verifiedAt: result.verifiedAt, verifiedUntil: result.verifiedUntil });
    });

    it('accepts one step of drift either way with the default window, none with window 0, three with window 3', async () => {
      for (const [window, accepted, refused] of [
        [1, [-1, 1], [-2, 2]],
        [0, [], [-1, 1]],
        [3, [-3, 3], [-4, 4]],
      ] as const) {
        const h = harness({ totp: { ...defaultPolicy(TENANT.baseUrl).totp, window } });
        const alice = await h.enrolled();
        h.clock.advance(10 * 60_000); // well past the confirmation step
        for (const offset of refused) await assertRejectsCode(h.verification.verify(h.context(), { code: alice.codeAt(offset) }), 'invalid_code');
        // Ascending, since a step at or before the last accepted one is a replay.
        for (const offset of accepted) assert.equal((await h.verification.verify(h.context(), { code: alice.codeAt(offset) })).method, 'totp');
      }
    });

    it('refuses a replayed code, and any older step after a newer one, as code_reused without counting a failure', async () => {
      const h = harness();
      const alice = await h.enrolled();
      await assertRejectsCode(h.verification.verify(h.context(), { code: alice.codeAt() }), 'code_reused'); // the confirmation code
      h.clock.advance(30_000);
      await h.verification.verify(h.context(), { code: alice.codeAt(1) });
      await assertRejectsCode(h.verification.verify(h.context(), { code: alice.codeAt(0) }), 'code_reused');
      await assertRejectsCode(h.verification.verify(h.context(), { code: alice.codeAt(1) }), 'code_reused');
      assert.equal(h.failures.user(TENANT.clientKey, ALICE).failures, 0, 'each place reserved for a replay was given back');
      assert.deepEqual(h.audit.actions().filter((a) => a === 'verify.failed').length, 3, 'each replay is audited');
    });

    it('works for SHA-256 / 8 digits / 60 s and SHA-512 credentials', async () => {
      for (const params of [
        { algorithm: 'SHA256', digits: 8, period: 60 },
        { algorithm: 'SHA512', digits: 8, period: 30 },
      ] as const) {
        const h = harness();
        const alice = await h.enrolled(ALICE, params);
        assert.equal(alice.secret.length, params.algorithm === 'SHA256' ? 32 : 64);
        h.clock.advance(params.period * 1000);
        assert.equal((await h.verification.verify(h.context(), { code: alice.codeAt() })).method, 'totp');
      }
    });

    it('answers not_enrolled without an active credential, and for a pending one', async () => {
      const h = harness();
      await assertRejectsCode(h.verification.verify(h.context(), { code: '123456' }), 'not_enrolled');
      await h.enrollment.start(TENANT, ALICE, h.policy, {});
      await assertRejectsCode(h.verification.verify(h.context(), { code: '123456' }), 'not_enrolled');
      await assertRejectsCode(h.verification.verify(h.context(), { backupCode: 'ABCDE-23456' }), 'not_enrolled');
    });
  });

  describe('lockout', () => {
    it('counts failures with attempts left, locks on the 5th with Retry-After, and audits the lockout', async () => {
      const h = harness();
      const alice = await h.enrolled();
      h.clock.advance(30_000);
      for (let attempt = 1; attempt <= 4; attempt += 1) {
        const answer = await refusal(h.verification.verify(h.context(), { code: '000000' === alice.codeAt() ? '111111' : '000000' }));
        assert.deepEqual([answer.code, answer.details?.attemptsLeft], ['invalid_code', 5 - attempt]);
        h.clock.advance(10_000);
      }
      const locked = await refusal(h.verification.verify(h.context(), { code: alice.wrongCode() }));
      assert.deepEqual([locked.code, locked.retryAfter, locked.details?.scope], ['locked_out', 900, 'user']);
      assert.equal(h.audit.actions().filter((a) => a === 'lockout').length, 1);
    });

    it('refuses even the right code while locked, and lets it through once the lockout has expired', async () => {
      const h = harness();
      const alice = await h.enrolled();
      for (let i = 0; i < 5; i += 1) await refusal(h.verification.verify(h.context(), { code: alice.wrongCode() }));
      h.clock.advance(15 * 60_000 - 1000);
      const still = await refusal(h.verification.verify(h.context(), { code: alice.codeAt() }));
      assert.deepEqual([still.code, still.retryAfter], ['locked_out', 1]);
      h.clock.advance(1000);
      assert.equal((await h.verification.verify(h.context(), { code: alice.codeAt() })).method, 'totp');
      assert.equal(h.failures.user(TENANT.clientKey, ALICE).failures, 0, 'a success resets the count');
    });

    it('forgets failures whose window has passed', async () => {
      const h = harness();
      const alice = await h.enrolled();
      for (let i = 0; i < 4; i += 1) await refusal(h.verification.verify(h.context(), { code: alice.wrongCode() }));
      h.clock.advance(15 * 60_000);
      const answer = await refusal(h.verification.verify(h.context(), { code: alice.wrongCode() }));
      assert.deepEqual([answer.code, answer.details?.attemptsLeft], ['invalid_code', 4]);
    });

    it('applies the policy limits (2 failures in 1 minute)', async () => {
      const h = harness({ lockout: { maxFailures: 2, windowMinutes: 1, tenantMaxFailures: 100 } });
      const alice = await h.enrolled();
      await refusal(h.verification.verify(h.context(), { code: alice.wrongCode() }));
      const locked = await refusal(h.verification.verify(h.context(), { code: alice.wrongCode() }));
      assert.deepEqual([locked.code, locked.retryAfter], ['locked_out', 60]);
    });

    it('brakes a spray across the tenant: once the tenant budget is spent, users who already failed wait', async () => {
      const h = harness({ lockout: { maxFailures: 5, windowMinutes: 15, tenantMaxFailures: 5 } });
      const victims = ['u1', 'u2', 'u3'];
      const wrong = new Map<string, string>();
      for (const user of victims) wrong.set(user, (await h.enrolled(user)).wrongCode());
      // Five failures across three users spend the tenant's budget.
      for (const user of ['u1', 'u1', 'u2', 'u2', 'u3']) await refusal(h.verification.verify(h.context(user), { code: wrong.get(user)! }));
      const braked = await refusal(h.verification.verify(h.context('u1'), { code: wrong.get('u1')! }));
      assert.deepEqual([braked.code, braked.details?.scope], ['locked_out', 'tenant']);
      // Someone who has not failed may still verify.
      const fresh = await h.enrolled('u4');
      h.clock.advance(30_000);
      assert.equal((await h.verification.verify(h.context('u4'), { code: fresh.codeAt() })).method, 'totp');
    });
  });

  describe('lockout under concurrency (places reserved before a code is looked at)', () => {
    it('evaluates at most maxFailures of a concurrent burst of wrong codes, and refuses the right code that follows', async () => {
      const h = harness();
      const alice = await h.enrolled();
      h.clock.advance(30_000);
      const burst = await Promise.all(Array.from({ length: 30 }, (_, i) => refusal(h.verification.verify(h.context(), { code: alice.wrongCode(i) }))));
      const codes = burst.map((answer) => answer.code);
      assert.equal(codes.filter((code) => code === 'invalid_code').length, 4, codes.join());
      assert.equal(codes.filter((code) => code === 'locked_out').length, 26, codes.join());
      const evaluated = h.audit.entries.filter((e) => e.action === 'verify.failed' && e.detail.reason === 'invalid_code');
      assert.equal(evaluated.length, 5, 'only five codes were looked at');
      const right = await refusal(h.verification.verify(h.context(), { code: alice.codeAt() }));
      assert.deepEqual([right.code, right.details?.scope], ['locked_out', 'user']);
      // The counters end consistent: five failures, locked, and the tenant counted only the evaluated ones.
      const user = h.failures.user(TENANT.clientKey, ALICE);
      assert.equal(user.failures, 5);
      assert.notEqual(user.lockedUntil, null);
      assert.equal(h.failures.tenant(TENANT.clientKey).failures, 5);
    });

    it('a success in a burst clears the count; its places are not lost or double-counted', async () => {
      const h = harness();
      const alice = await h.enrolled();
      h.clock.advance(30_000);
      const answers = await Promise.all([
        refusal(h.verification.verify(h.context(), { code: alice.wrongCode() })),
        refusal(h.verification.verify(h.context(), { code: alice.wrongCode(1) })),
        h.verification.verify(h.context(), { code: alice.codeAt() }),
      ]);
      assert.equal((answers[2] as { method: string }).method, 'totp');
      assert.ok(h.failures.user(TENANT.clientKey, ALICE).failures <= 2);
    });

    it('gives a place back for a code already used, so replays never lock anyone out', async () => {
      const h = harness({ lockout: { maxFailures: 2, windowMinutes: 15, tenantMaxFailures: 100 } });
      const alice = await h.enrolled();
      const [reserved, released] = [h.failures.reservations, h.failures.releases]; // the enrollment's own confirmation
      for (let i = 0; i < 5; i += 1) await assertRejectsCode(h.verification.verify(h.context(), { code: alice.codeAt() }), 'code_reused');
      assert.deepEqual([h.failures.reservations - reserved, h.failures.releases - released], [5, 5]);
      assert.equal(h.failures.user(TENANT.clientKey, ALICE).failures, 0);
    });
  });

  describe('input that cannot be a code', () => {
    it('answers 400 invalid_request naming the digits, costs no attempt and is not looked at', async () => {
      const h = harness();
      const alice = await h.enrolled(ALICE, { digits: 8 });
      const reserved = h.failures.reservations; // the enrollment's own confirmation
      for (const typed of ['123456', '12', '1234567890123', 'abcdefgh', '1234 567x']) {
        const answer = await refusal(h.verification.verify(h.context(), { code: typed }));
        assert.equal(answer.code, 'invalid_request', typed);
        assert.equal(answer.details?.digits, 8);
      }
      await assertRejectsCode(h.verification.verify(h.context(), { backupCode: 'ABC' }), 'invalid_request');
      await assertRejectsCode(h.verification.verify(h.context(), { backupCode: 'OOOOO-IIIII' }), 'invalid_request');
      assert.equal(h.failures.reservations - reserved, 0, 'no place was reserved');
      assert.equal(h.failures.user(TENANT.clientKey, ALICE).failures, 0);
      assert.equal(h.audit.actions().filter((a) => a === 'verify.failed').length, 0);
      // A well-formed wrong code still counts.
      const answer = await refusal(h.verification.verify(h.context(), { code: alice.wrongCode() }));
      assert.deepEqual([answer.code, answer.details?.attemptsLeft], ['invalid_code', 4]);
    });

    it('takes spaces, dashes and full-width digits in a well-formed code', async () => {
      const h = harness();
      const alice = await h.enrolled();
      h.clock.advance(30_000);
      const code = alice.codeAt();
      assert.equal((await h.verification.verify(h.context(), { code: ` ${code.slice(0, 3)}-${code.slice(3)} ` })).method, 'totp');
    });
  });

  describe('backup codes', () => {
    it('accepts each backup code once, normalised, and counts them down', async () => {
      const h = harness();
      const alice = await h.enrolled();
      assert.equal(alice.backupCodes.length, 10);
      const first = alice.backupCodes[0]!;
      assert.equal((await h.verification.verify(h.context(), { backupCode: ` ${first.toLowerCase()} ` })).method, 'backup_code');
      await assertRejectsCode(h.verification.verify(h.context(), { backupCode: first }), 'code_reused');
      assert.equal(await h.backupCodes.countUnused(TENANT.clientKey, ALICE), 9);
      // One audit entry for the success, naming the method and what is left (no second "backup code used" row).
      const successes = h.audit.entries.filter((e) => e.action === 'verify.succeeded');
      assert.deepEqual(
        successes.map((e) => e.detail),
        [{ method: 'backup_code', remaining: 9 }],
      );
      assert.equal(h.audit.entries.filter((e) => e.action === 'backup_code.used').length, 0);
    });

    it('spends a backup code only together with its session and audit entry: a failure leaves the code usable', async () => {
      const h = harness();
      const alice = await h.enrolled();
      h.sessions.rows.clear();
      const code = alice.backupCodes[0]!;
      h.audit.failing = true;
      await assert.rejects(h.verification.verify(h.context(), { backupCode: code }), /audit log unavailable/);
      assert.equal(await h.backupCodes.countUnused(TENANT.clientKey, ALICE), 10, 'the code was not spent');
      assert.equal(await h.sessions.find(TENANT.clientKey, ALICE), null, 'no session either');
      assert.equal(h.failures.user(TENANT.clientKey, ALICE).failures, 0, 'the attempt was given back');
      h.audit.failing = false;
      assert.equal((await h.verification.verify(h.context(), { backupCode: code })).method, 'backup_code');
      assert.notEqual(await h.sessions.find(TENANT.clientKey, ALICE), null);
    });

    it('takes a backup code typed into the code field', async () => {
      const h = harness();
      const alice = await h.enrolled();
      assert.equal((await h.verification.verify(h.context(), { code: alice.backupCodes[3]!.replace('-', '') })).method, 'backup_code');
    });

    it('counts a wrong backup code as a failure', async () => {
      const h = harness();
      await h.enrolled();
      const answer = await refusal(h.verification.verify(h.context(), { backupCode: 'ZZZZZ-ZZZZZ' }));
      assert.deepEqual([answer.code, answer.details?.attemptsLeft], ['invalid_code', 4]);
    });

    it('refuses backup codes when the policy turns them off', async () => {
      const h = harness({ methods: ['totp'] });
      const alice = await h.enrolled();
      assert.deepEqual(alice.backupCodes, [], 'none are made');
      await assertRejectsCode(h.verification.verify(h.context(), { backupCode: 'ABCDE-23456' }), 'method_disabled');
    });
  });

  it('never puts a code or a secret into the audit log', async () => {
    const h = harness();
    const alice = await h.enrolled();
    h.clock.advance(30_000);
    await h.verification.verify(h.context(), { code: alice.codeAt() });
    await h.verification.verify(h.context(), { backupCode: alice.backupCodes[0]! });
    await refusal(h.verification.verify(h.context(), { code: '999999' }));
    const logged = JSON.stringify(h.audit.entries);
    for (const secretish of [alice.codeAt(), alice.backupCodes[0]!, alice.secret.toString('hex'), '999999']) assert.equal(logged.includes(secretish), false);
    assert.ok(T0 < h.clock.now());
  });
});
