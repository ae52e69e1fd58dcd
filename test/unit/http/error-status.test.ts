import assert from 'node:assert/strict';
import { ERROR_STATUS, statusOf } from '../../../src/http/error-status';
import { ERROR_CODES } from '../../../src/domain/errors';

describe('error status table', () => {
  for (const code of ERROR_CODES) {
    it(`maps ${code} to a 4xx or 5xx status`, () => {
      const status = statusOf(code);
      assert.ok(Number.isInteger(status) && status >= 400 && status <= 599, `${code} → ${status}`);
    });
  }

  it('has no entry for a code that does not exist', () => {
    assert.deepEqual(Object.keys(ERROR_STATUS).sort(), [...ERROR_CODES].sort());
  });

  it('gives the statuses CONTRACT.md promises', () => {
    const promised: Record<string, number> = {
      unauthenticated: 401,
      token_expired: 401,
      unknown_tenant: 401,
      not_admin: 403,
      verification_required: 403,
      invalid_code: 401,
      code_reused: 401,
      locked_out: 429,
      not_enrolled: 409,
      id_taken: 409,
      invalid_policy: 400,
      invalid_consumer_key: 400,
      insecure_url: 400,
      token_rejected: 502,
      signature_invalid: 502,
      consumer_key_unknown: 502,
      timestamp_refused: 502,
      unauthorized: 502,
      unreachable: 502,
      invalid_request: 400,
      internal_error: 500,
    };
    for (const [code, status] of Object.entries(promised)) {
      assert.equal(statusOf(code as keyof typeof ERROR_STATUS), status, code);
    }
  });
});
