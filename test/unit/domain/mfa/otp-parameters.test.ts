import assert from 'node:assert/strict';
import { detailsOf, isTwofoldError } from '../../../../src/domain/errors';
import { DEFAULT_TOTP_PARAMETERS, totpParameters } from '../../../../src/domain/mfa/otp-parameters';

describe('totpParameters', () => {
  it('defaults to SHA-1, 6 digits, 30 s', () => {
    assert.deepEqual(totpParameters(), { algorithm: 'SHA1', digits: 6, period: 30 });
    assert.deepEqual(totpParameters({}), DEFAULT_TOTP_PARAMETERS);
  });

  it('accepts every allowed combination', () => {
    for (const algorithm of ['SHA1', 'SHA256', 'SHA512']) {
      for (const digits of [6, 8]) {
        for (const period of [30, 60]) {
          assert.deepEqual(totpParameters({ algorithm, digits, period }), { algorithm, digits, period });
        }
      }
    }
  });

  it('names every bad field', () => {
    try {
      totpParameters({ algorithm: 'sha1', digits: 7, period: 45 });
      assert.fail('expected an error');
    } catch (error) {
      assert.ok(isTwofoldError(error));
      assert.equal(error.code, 'invalid_request');
      assert.deepEqual(
        detailsOf(error, 'invalid_request')?.fields.map((f) => f.field),
        ['algorithm', 'digits', 'period'],
      );
    }
  });

  it('refuses values of the wrong type', () => {
    assert.throws(() => totpParameters({ digits: '6' }));
    assert.throws(() => totpParameters({ period: '30' }));
    assert.throws(() => totpParameters({ algorithm: null as unknown as undefined, digits: 10 }));
  });
});
