import assert from 'node:assert/strict';
import { ClientRateLimiter } from '../../../../src/domain/http/client-rate-limit';
import { FixedClock } from '../../../../src/domain/ports/clock';

describe('ClientRateLimiter', () => {
  const rule = { limit: 3, windowSeconds: 60 };

  it('lets a client make `limit` requests a window, then says when to come back', () => {
    const clock = new FixedClock(new Date('2026-12-04T10:00:00Z'));
    const limiter = new ClientRateLimiter(clock);
    for (let i = 0; i < 3; i += 1) assert.deepEqual(limiter.take('hooks', rule, '203.0.113.9'), { allowed: true });
    clock.advance(15_000);
    assert.deepEqual(limiter.take('hooks', rule, '203.0.113.9'), { allowed: false, retryAfterSeconds: 45 });
    clock.advance(45_000);
    assert.deepEqual(limiter.take('hooks', rule, '203.0.113.9'), { allowed: true }, 'a new window');
  });

  it('counts each client address and each bucket on its own', () => {
    const limiter = new ClientRateLimiter(new FixedClock(new Date('2026-12-04T10:00:00Z')));
    for (let i = 0; i < 4; i += 1) limiter.take('hooks', rule, '203.0.113.9');
    assert.equal(limiter.take('hooks', rule, '203.0.113.9').allowed, false);
    assert.equal(limiter.take('hooks', rule, '198.51.100.7').allowed, true);
    assert.equal(limiter.take('callback', rule, '203.0.113.9').allowed, true);
  });

  it('keeps its table bounded under a spray of addresses, forgetting the oldest windows first', () => {
    const clock = new FixedClock(new Date('2026-12-04T10:00:00Z'));
    const limiter = new ClientRateLimiter(clock, 100);
    for (let i = 0; i < 4; i += 1) limiter.take('hooks', rule, 'flooder');
    for (let i = 0; i < 1_000; i += 1) limiter.take('hooks', rule, `10.0.${i >> 8}.${i & 255}`);
    assert.ok((limiter as unknown as { windows: Map<string, unknown> }).windows.size <= 100);
    assert.equal(limiter.take('hooks', rule, 'flooder').allowed, true, 'its old window was dropped to make room');
  });
});
