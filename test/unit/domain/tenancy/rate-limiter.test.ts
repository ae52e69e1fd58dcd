import assert from 'node:assert/strict';
import { FixedClock } from '../../../../src/domain/ports/clock';
import { RateLimiter } from '../../../../src/domain/tenancy/rate-limiter';

describe('RateLimiter', () => {
  it('allows max per window per key, answers the seconds left, and opens a new window when it ends', () => {
    const clock = new FixedClock(new Date('2024-01-01T00:00:00Z'));
    const limiter = new RateLimiter(clock, 3, 60);
    assert.deepEqual([limiter.take('a'), limiter.take('a'), limiter.take('a')], [null, null, null]);
    assert.equal(limiter.take('b'), null, 'keys are counted apart');
    clock.advance(20_000);
    assert.equal(limiter.take('a'), 40);
    clock.advance(40_000);
    assert.equal(limiter.take('a'), null);
  });
});
