import assert from 'node:assert/strict';
import {
  DEFAULT_STEP_UP_MINUTES,
  effectiveSessionMinutes,
  isRecentlyVerified,
  isVerified,
  MAX_SESSION_MINUTES,
  startSession,
} from '../../../../src/domain/mfa/session';
import { FixedClock } from '../../../../src/domain/ports/clock';
import { assertThrowsInvariant } from './fixtures';

const MINUTE = 60_000;

describe('2FA session', () => {
  const now = new Date('2024-05-01T09:00:00Z');

  it('lasts the policy timeout', () => {
    assert.deepEqual(startSession(now, { sessionTimeoutMinutes: 480 }), {
      verifiedAt: now,
      verifiedUntil: new Date(now.getTime() + 480 * MINUTE),
    });
  });

  it('reads 0 ("no timeout") as the cap of seven days, and clamps longer timeouts to it', () => {
    assert.equal(MAX_SESSION_MINUTES, 10_080);
    assert.equal(effectiveSessionMinutes(0), MAX_SESSION_MINUTES);
    assert.equal(effectiveSessionMinutes(100_000), MAX_SESSION_MINUTES);
    assert.equal(startSession(now, { sessionTimeoutMinutes: 0 }).verifiedUntil.getTime(), now.getTime() + 7 * 24 * 60 * MINUTE);
  });

  it('refuses a negative or fractional timeout', () => {
    assertThrowsInvariant(() => startSession(now, { sessionTimeoutMinutes: -1 }));
    assertThrowsInvariant(() => startSession(now, { sessionTimeoutMinutes: 1.5 }));
  });

  it('counts as verified until verifiedUntil, exclusive', () => {
    const clock = new FixedClock(now);
    const { verifiedUntil } = startSession(clock.now(), { sessionTimeoutMinutes: 30 });
    assert.equal(isVerified(verifiedUntil, clock.now()), true);
    clock.advance(30 * MINUTE - 1);
    assert.equal(isVerified(verifiedUntil, clock.now()), true);
    clock.advance(1);
    assert.equal(isVerified(verifiedUntil, clock.now()), false);
    assert.equal(isVerified(null, clock.now()), false);
  });

  it('asks for a recent verification for step-up actions', () => {
    const clock = new FixedClock(now);
    assert.equal(DEFAULT_STEP_UP_MINUTES, 5);
    assert.equal(isRecentlyVerified(now, clock.now()), true);
    clock.advance(5 * MINUTE);
    assert.equal(isRecentlyVerified(now, clock.now()), true);
    clock.advance(1);
    assert.equal(isRecentlyVerified(now, clock.now()), false);
    assert.equal(isRecentlyVerified(now, clock.now(), 10), true);
    assert.equal(isRecentlyVerified(null, clock.now()), false);
  });

  it('tolerates a minute of clock skew, not more', () => {
    assert.equal(isRecentlyVerified(new Date(now.getTime() + 30_000), now), true);
    assert.equal(isRecentlyVerified(new Date(now.getTime() + 2 * MINUTE), now), false);
    assertThrowsInvariant(() => isRecentlyVerified(now, now, 0));
  });
});
