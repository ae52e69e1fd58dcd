import assert from 'node:assert/strict';
import { FixedClock } from '../../../../src/domain/ports/clock';
import type { TotpParameters } from '../../../../src/domain/mfa/otp-parameters';
import { timeStepAt, totpAtStep } from '../../../../src/domain/mfa/totp';
import { normalizeTotpCode, verifyTotp, type VerifyTotpInput } from '../../../../src/domain/mfa/verify-totp';
import { ascii, assertThrowsInvariant } from './fixtures';

const SHA1_6_30: TotpParameters = { algorithm: 'SHA1', digits: 6, period: 30 };
const SECRET = ascii('12345678901234567890');
/** 2023-11-14T22:13:20Z, 20 s into step 56666666 of a 30 s period. */
const NOW = new Date(1_700_000_000_000);

function codeAt(step: number, params: TotpParameters = SHA1_6_30, secret: Uint8Array = SECRET): string {
  return totpAtStep(secret, step, params);
}

function verify(overrides: Partial<VerifyTotpInput> & { code: string }): ReturnType<typeof verifyTotp> {
  return verifyTotp({ secret: SECRET, params: SHA1_6_30, at: NOW, lastUsedStep: null, ...overrides });
}

describe('verifyTotp', () => {
  const current = timeStepAt(NOW, 30);

  it('accepts the current code with delta 0', () => {
    assert.deepEqual(verify({ code: codeAt(current) }), { ok: true, timeStep: current, delta: 0 });
  });

  describe('window edges (default ±1 step)', () => {
    it('accepts one step behind and one ahead, reporting the drift', () => {
      assert.deepEqual(verify({ code: codeAt(current - 1) }), { ok: true, timeStep: current - 1, delta: -1 });
      assert.deepEqual(verify({ code: codeAt(current + 1) }), { ok: true, timeStep: current + 1, delta: 1 });
    });
    it('refuses two steps away', () => {
      assert.deepEqual(verify({ code: codeAt(current - 2) }), { ok: false, reason: 'invalid_code' });
      assert.deepEqual(verify({ code: codeAt(current + 2) }), { ok: false, reason: 'invalid_code' });
    });
    it('moves with a frozen clock across a step boundary', () => {
      const clock = new FixedClock(new Date(current * 30_000)); // first instant of `current`
      const oldCode = codeAt(current - 1);
      assert.equal(verify({ code: oldCode, at: clock.now() }).ok, true);
      clock.advance(29_999); // last instant of `current`
      assert.deepEqual(verify({ code: oldCode, at: clock.now() }), { ok: true, timeStep: current - 1, delta: -1 });
      clock.advance(1); // first instant of `current + 1`: the old code is now two steps behind
      assert.deepEqual(verify({ code: oldCode, at: clock.now() }), { ok: false, reason: 'invalid_code' });
    });
  });

  for (const window of [0, 1, 2, 3]) {
    it(`window ${window}: accepts ±${window} steps, refuses ±${window + 1}`, () => {
      for (const delta of Array.from({ length: 2 * window + 1 }, (_, i) => i - window)) {
        assert.deepEqual(verify({ code: codeAt(current + delta), window }), { ok: true, timeStep: current + delta, delta });
      }
      assert.deepEqual(verify({ code: codeAt(current - window - 1), window }), { ok: false, reason: 'invalid_code' });
      assert.deepEqual(verify({ code: codeAt(current + window + 1), window }), { ok: false, reason: 'invalid_code' });
    });
  }

  it('refuses a window outside 0..3 as a policy mistake', () => {
    for (const window of [-1, 4, 1.5, Number.NaN]) {
      assertThrowsInvariant(() => verify({ code: codeAt(current), window }));
    }
  });

  describe('replay', () => {
    it('refuses the code of the last accepted step as code_reused', () => {
      assert.deepEqual(verify({ code: codeAt(current), lastUsedStep: current }), { ok: false, reason: 'code_reused' });
    });
    it('refuses an older step inside the window once a newer one was accepted', () => {
      assert.deepEqual(verify({ code: codeAt(current - 1), lastUsedStep: current }), { ok: false, reason: 'code_reused' });
      assert.deepEqual(verify({ code: codeAt(current), lastUsedStep: current + 1 }), { ok: false, reason: 'code_reused' });
    });
    it('accepts the next step after the last accepted one', () => {
      assert.deepEqual(verify({ code: codeAt(current + 1), lastUsedStep: current }), { ok: true, timeStep: current + 1, delta: 1 });
    });
    it('says invalid_code, not code_reused, for a wrong code', () => {
      const wrong = codeAt(current - 5);
      assert.deepEqual(verify({ code: wrong, lastUsedStep: current }), { ok: false, reason: 'invalid_code' });
    });
    it('refuses a nonsensical lastUsedStep as misuse', () => {
      assertThrowsInvariant(() => verify({ code: codeAt(current), lastUsedStep: -3 }));
    });
  });

  describe('input normalisation', () => {
    const code = codeAt(current);
    const spaced = `${code.slice(0, 3)} ${code.slice(3)}`;
    for (const typed of [spaced, `${code.slice(0, 3)}-${code.slice(3)}`, ` ${code}\n`, code.replace(/\d/g, (d) => String.fromCharCode(0xff10 + Number(d)))]) {
      it(`accepts ${JSON.stringify(typed)}`, () => {
        assert.deepEqual(verify({ code: typed }), { ok: true, timeStep: current, delta: 0 });
      });
    }
    for (const typed of ['', '12345', '1234567', '12a456', '１２３四５６', code + '0', 'x'.repeat(1000), '12345６x']) {
      it(`refuses ${JSON.stringify(typed.slice(0, 20))} as malformed`, () => {
        assert.deepEqual(verify({ code: typed }), { ok: false, reason: 'malformed' });
      });
    }
    it('normalizeTotpCode keeps digits only', () => {
      assert.equal(normalizeTotpCode(' 12 34–56 '), '123456');
      assert.equal(normalizeTotpCode('12.34'), null);
    });
  });

  describe('other parameter sets', () => {
    const cases: Array<{ params: TotpParameters; seed: string }> = [
      { params: { algorithm: 'SHA1', digits: 8, period: 60 }, seed: '12345678901234567890' },
      { params: { algorithm: 'SHA256', digits: 8, period: 60 }, seed: '12345678901234567890123456789012' },
      { params: { algorithm: 'SHA512', digits: 6, period: 30 }, seed: '1234567890123456789012345678901234567890123456789012345678901234' },
      { params: { algorithm: 'SHA256', digits: 6, period: 30 }, seed: '12345678901234567890123456789012' },
      { params: { algorithm: 'SHA512', digits: 8, period: 60 }, seed: '1234567890123456789012345678901234567890123456789012345678901234' },
    ];
    for (const { params, seed } of cases) {
      const name = `${params.algorithm}, ${params.digits} digits, ${params.period} s`;
      it(`${name}: window edges and drift`, () => {
        const secret = ascii(seed);
        const step = timeStepAt(NOW, params.period);
        for (const delta of [-1, 0, 1]) {
          const code = codeAt(step + delta, params, secret);
          assert.equal(code.length, params.digits);
          assert.deepEqual(verify({ secret, params, code }), { ok: true, timeStep: step + delta, delta });
        }
        assert.deepEqual(verify({ secret, params, code: codeAt(step + 2, params, secret) }), { ok: false, reason: 'invalid_code' });
        assert.deepEqual(verify({ secret, params, code: codeAt(step - 2, params, secret) }), { ok: false, reason: 'invalid_code' });
      });
    }
    it('treats a 6-digit code as malformed for an 8-digit credential', () => {
      const params: TotpParameters = { algorithm: 'SHA1', digits: 8, period: 30 };
      assert.deepEqual(verify({ params, code: codeAt(current) }), { ok: false, reason: 'malformed' });
    });
    it('does not accept a code made with another algorithm', () => {
      const code = codeAt(current, { algorithm: 'SHA256', digits: 6, period: 30 });
      assert.ok(![-1, 0, 1].some((delta) => codeAt(current + delta) === code)); // true for this secret and time
      assert.deepEqual(verify({ code }), { ok: false, reason: 'invalid_code' });
    });
  });

  describe('two steps with the same code (found by search: steps 56188870 and 56188871 both give 617002)', () => {
    const at = new Date(56_188_871 * 30_000);
    it('takes the step nearest to now', () => {
      assert.equal(codeAt(56_188_870), '617002');
      assert.equal(codeAt(56_188_871), '617002');
      assert.deepEqual(verify({ code: '617002', at }), { ok: true, timeStep: 56_188_871, delta: 0 });
    });
    it('takes the newer step when the older one was used', () => {
      assert.deepEqual(verify({ code: '617002', at, lastUsedStep: 56_188_870 }), { ok: true, timeStep: 56_188_871, delta: 0 });
      assert.deepEqual(verify({ code: '617002', at: new Date(at.getTime() - 30_000), lastUsedStep: 56_188_870 }), {
        ok: true,
        timeStep: 56_188_871,
        delta: 1,
      });
    });
    it('is code_reused when both were used', () => {
      assert.deepEqual(verify({ code: '617002', at, lastUsedStep: 56_188_871 }), { ok: false, reason: 'code_reused' });
    });
  });

  it('skips steps before the epoch near time zero', () => {
    const at = new Date(10_000); // step 0
    assert.deepEqual(verify({ code: codeAt(0), at, window: 3 }), { ok: true, timeStep: 0, delta: 0 });
    assert.deepEqual(verify({ code: codeAt(3), at, window: 3 }), { ok: true, timeStep: 3, delta: 3 });
  });
});
