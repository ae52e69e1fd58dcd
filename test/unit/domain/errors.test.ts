import assert from 'node:assert/strict';
import { TwofoldError, isTwofoldError } from '../../../src/domain/errors';

describe('TwofoldError', () => {
  it('keeps its stable code, details and cause', () => {
    const cause = new Error('socket hang up');
    const error = new TwofoldError('unreachable', 'Jira did not answer.', { cause, details: { host: 'jira' } });
    assert.equal(error.code, 'unreachable');
    assert.deepEqual(error.details, { host: 'jira' });
    assert.equal(error.cause, cause);
    assert.ok(isTwofoldError(error));
    assert.ok(!isTwofoldError(new Error('plain')));
  });
});
