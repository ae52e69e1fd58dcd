import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import type { TotpParameters } from '../../../../src/domain/mfa/otp-parameters';
import { generateSecret } from '../../../../src/domain/mfa/secret';
import { encodeBase32, encodeHex } from '../../../../src/domain/mfa/secret-encoding';
import { timeStepAt, totp } from '../../../../src/domain/mfa/totp';
import { verifyTotp } from '../../../../src/domain/mfa/verify-totp';
import { SeededRandom } from './fixtures';
import { laneOrSkip } from '../../../support/lanes';

/**
 * Cross-check against an independent implementation: OATH Toolkit's `oathtool` (Debian package
 * `oathtool`). Our generator must print what it prints, and our verifier must accept its codes.
 */
function oathtool(args: string[]): string {
  return execFileSync('oathtool', args, { encoding: 'utf8', timeout: 5000 }).trim();
}

const TIMES = [
  new Date('1970-01-01T00:01:59Z'),
  new Date('2009-02-13T23:31:30Z'),
  new Date('2024-02-29T12:00:00Z'),
  new Date('2038-01-19T03:14:08Z'), // past the 32-bit time_t limit
  new Date(Math.floor(Date.now() / 1000) * 1000),
];

const CASES: Array<{ name: string; params: TotpParameters; mode: string }> = [
  { name: 'SHA-1, 6 digits, 30 s', params: { algorithm: 'SHA1', digits: 6, period: 30 }, mode: 'sha1' },
  { name: 'SHA-256, 8 digits, 60 s', params: { algorithm: 'SHA256', digits: 8, period: 60 }, mode: 'sha256' },
  { name: 'SHA-512, 8 digits, 30 s', params: { algorithm: 'SHA512', digits: 8, period: 30 }, mode: 'sha512' },
];

describe('cross-check with oathtool', function () {
  before(function () {
    laneOrSkip(this, 'oathtool', 'the cross-check with oathtool is skipped');
  });

  for (const { name, params, mode } of CASES) {
    describe(name, () => {
      const secret = generateSecret(new SeededRandom(`oathtool-${mode}`), params.algorithm);
      const base = ['--totp=' + mode, '-d', String(params.digits), '-s', `${params.period}s`];

      for (const at of TIMES) {
        it(`at ${at.toISOString()}: same code, and ours accepts theirs`, () => {
          const now = `--now=@${at.getTime() / 1000}`;
          const theirs = oathtool([...base, now, '-b', encodeBase32(secret)]);
          assert.equal(totp(secret, at, params), theirs);
          assert.equal(oathtool([...base, now, encodeHex(secret)]), theirs); // the hex seed, as burner apps take it
          const step = timeStepAt(at, params.period);
          assert.deepEqual(verifyTotp({ secret, code: theirs, params, at, lastUsedStep: null }), { ok: true, timeStep: step, delta: 0 });
        });
      }

      it('accepts oathtool codes one step either side, refuses two', () => {
        const at = TIMES[2] as Date;
        const step = timeStepAt(at, params.period);
        for (const delta of [-2, -1, 1, 2]) {
          const other = new Date(at.getTime() + delta * params.period * 1000);
          const theirs = oathtool([...base, `--now=@${other.getTime() / 1000}`, '-b', encodeBase32(secret)]);
          const expected = Math.abs(delta) <= 1 ? { ok: true, timeStep: step + delta, delta } : { ok: false, reason: 'invalid_code' };
          assert.deepEqual(verifyTotp({ secret, code: theirs, params, at, lastUsedStep: null }), expected);
        }
      });
    });
  }
});
