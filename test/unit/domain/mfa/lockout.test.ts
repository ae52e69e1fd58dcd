import assert from 'node:assert/strict';
import { InvariantError, detailsOf } from '../../../../src/domain/errors';
import { FixedClock } from '../../../../src/domain/ports/clock';
import {
  afterFailure,
  checkLockout,
  checkReservedAttempt,
  DEFAULT_LOCKOUT_POLICY,
  lockoutPolicy,
  NO_FAILURES,
  type FailureState,
  type LockoutPolicy,
} from '../../../../src/domain/mfa/lockout';
import { assertThrowsInvariant } from './fixtures';

const MINUTE = 60_000;
const POLICY: LockoutPolicy = { maxFailures: 5, windowMinutes: 15 };

/** What the repository's atomic upsert does to a counter (failure-counter-repository.ts): one more, in a window. */
function counted(state: FailureState, policy: LockoutPolicy, now: Date): FailureState {
  const open = state.failures > 0 && state.windowStartedAt !== null && now.getTime() < state.windowStartedAt.getTime() + policy.windowMinutes * MINUTE;
  return open ? { ...state, failures: state.failures + 1 } : { failures: 1, windowStartedAt: now, lockedUntil: state.lockedUntil };
}

/**
 * A user and their tenant, failing and succeeding against a frozen clock, as VerificationService
 * drives the counters: reserve a place, then count the tenant and lock on a failure.
 */
class Scenario {
  user: FailureState = NO_FAILURES;
  tenant: FailureState = NO_FAILURES;
  constructor(
    readonly clock: FixedClock,
    readonly policy: LockoutPolicy = POLICY,
  ) {}
  check() {
    return checkLockout({ policy: this.policy, user: this.user, tenant: this.tenant, now: this.clock.now() });
  }
  fail() {
    const now = this.clock.now();
    this.user = counted(this.user, this.policy, now);
    this.tenant = counted(this.tenant, this.policy, now);
    const next = afterFailure({ policy: this.policy, user: this.user, tenant: this.tenant, now });
    if (next.lockUntil) this.user = { ...this.user, lockedUntil: next.lockUntil };
    return next.decision;
  }
  succeed(): void {
    this.user = NO_FAILURES;
  }
}

describe('lockout', () => {
  const start = new Date('2024-05-01T09:00:00Z');

  it('defaults to 5 failures in 15 minutes, with a tenant ceiling of 100', () => {
    assert.deepEqual(DEFAULT_LOCKOUT_POLICY, { maxFailures: 5, windowMinutes: 15, tenantMaxFailures: 100 });
    assert.deepEqual(lockoutPolicy(POLICY), DEFAULT_LOCKOUT_POLICY);
  });

  it('lets a user with no failures try', () => {
    assert.deepEqual(new Scenario(new FixedClock(start)).check(), { locked: false });
  });

  it('locks on the 5th failure within the window, for 15 minutes from it', () => {
    const s = new Scenario(new FixedClock(start));
    for (let i = 1; i <= 4; i += 1) {
      assert.deepEqual(s.fail(), { locked: false }, `failure ${i}`);
      s.clock.advance(MINUTE);
    }
    assert.deepEqual(s.user, { failures: 4, windowStartedAt: start, lockedUntil: null });
    const decision = s.fail(); // at start + 4 min
    const until = new Date(start.getTime() + 19 * MINUTE);
    assert.deepEqual(decision, { locked: true, scope: 'user', until, retryAfterSeconds: 900 });
    assert.deepEqual(s.check(), decision);
  });

  it('the boundary, for any maxFailures: maxFailures - 1 failures leave a try, the maxFailures-th locks', () => {
    for (const maxFailures of [1, 2, 3, 5, 10]) {
      const policy: LockoutPolicy = { maxFailures, windowMinutes: 15 };
      const s = new Scenario(new FixedClock(start), policy);
      for (let i = 1; i < maxFailures; i += 1) assert.deepEqual(s.fail(), { locked: false }, `max ${maxFailures}, failure ${i}`);
      assert.deepEqual(s.check(), { locked: false }, `max ${maxFailures}: after ${maxFailures - 1} failures the user may still try`);
      assert.equal(s.fail().locked, true, `max ${maxFailures}: failure ${maxFailures} locks`);
      assert.equal(s.check().locked, true);
    }
  });

  it('counts Retry-After down in whole seconds, rounding up, and expires', () => {
    const s = new Scenario(new FixedClock(start));
    for (let i = 0; i < 5; i += 1) s.fail();
    s.clock.advance(14 * MINUTE + 59_500);
    assert.deepEqual(s.check(), { locked: true, scope: 'user', until: new Date(start.getTime() + 15 * MINUTE), retryAfterSeconds: 1 });
    s.clock.advance(500);
    assert.deepEqual(s.check(), { locked: false });
    // After expiry the next failure opens a fresh window.
    assert.deepEqual(s.fail(), { locked: false });
    assert.equal(s.user.failures, 1);
    assert.deepEqual(s.user.windowStartedAt, s.clock.now());
  });

  it('forgets failures once their window has passed', () => {
    const s = new Scenario(new FixedClock(start));
    for (let i = 0; i < 4; i += 1) s.fail();
    s.clock.advance(15 * MINUTE); // the window [start, start + 15 min) is over
    assert.deepEqual(s.fail(), { locked: false });
    assert.equal(s.user.failures, 1);
  });

  it('resets the user on success, but not the tenant', () => {
    const s = new Scenario(new FixedClock(start));
    for (let i = 0; i < 4; i += 1) s.fail();
    s.succeed();
    assert.deepEqual(s.user, NO_FAILURES);
    assert.equal(s.tenant.failures, 4);
    for (let i = 0; i < 4; i += 1) assert.deepEqual(s.fail(), { locked: false });
  });

  it('follows a stricter policy', () => {
    const s = new Scenario(new FixedClock(start), { maxFailures: 3, windowMinutes: 5 });
    s.fail();
    s.fail();
    assert.deepEqual(s.fail(), { locked: true, scope: 'user', until: new Date(start.getTime() + 5 * MINUTE), retryAfterSeconds: 300 });
  });

  describe('tenant-wide ceiling (spray across many users)', () => {
    const policy: LockoutPolicy = { maxFailures: 5, windowMinutes: 15, tenantMaxFailures: 10 };

    /** Ten different users fail once each, exhausting the tenant budget. */
    function spray(clock: FixedClock, from: FailureState = NO_FAILURES): FailureState {
      let tenant = from;
      for (let i = 0; i < 10; i += 1) {
        tenant = counted(tenant, policy, clock.now());
        clock.advance(1000);
      }
      return tenant;
    }

    it('holds back users who already failed in this window, until the earlier window end', () => {
      const clock = new FixedClock(start);
      const victim = new Scenario(clock, policy);
      victim.fail(); // at start: the victim's window ends at start + 15 min
      victim.tenant = spray(clock, victim.tenant); // tenant window opened at start + 0 s with the victim's failure
      assert.equal(victim.tenant.failures, 11);
      const decision = victim.check();
      assert.deepEqual(decision, { locked: true, scope: 'tenant', until: new Date(start.getTime() + 15 * MINUTE), retryAfterSeconds: 890 });
    });

    it('still lets a user with no failures try once, and holds them after a miss', () => {
      const clock = new FixedClock(start);
      const tenant = spray(clock);
      const user = new Scenario(clock, policy);
      user.tenant = tenant;
      assert.deepEqual(user.check(), { locked: false });
      const decision = user.fail();
      assert.equal(decision.locked, true);
      assert.equal(decision.locked && decision.scope, 'tenant');
    });

    it('lifts when the tenant window ends', () => {
      const clock = new FixedClock(start);
      const user = new Scenario(clock, policy);
      user.tenant = spray(clock);
      clock.advance(5 * MINUTE);
      user.fail(); // the user's window ends at +20 min, the tenant's at +15 min: the earlier one counts
      assert.deepEqual(user.check(), {
        locked: true,
        scope: 'tenant',
        until: new Date(start.getTime() + 15 * MINUTE),
        retryAfterSeconds: 10 * 60 - 10,
      });
      clock.set(new Date(start.getTime() + 15 * MINUTE)); // the tenant window [start, +15 min) is over
      assert.deepEqual(user.check(), { locked: false });
    });

    it('does not apply below the ceiling', () => {
      const clock = new FixedClock(start);
      const user = new Scenario(clock, policy);
      for (let i = 0; i < 4; i += 1) assert.deepEqual(user.fail(), { locked: false });
      assert.equal(user.tenant.failures, 4);
    });
  });

  describe('a reserved attempt (counted before its code is looked at)', () => {
    const reserved = (failures: number, extra: Partial<FailureState> = {}): FailureState => ({ failures, windowStartedAt: start, lockedUntil: null, ...extra });

    it('admits the places within the budget and refuses the ones beyond it, announcing the lockout', () => {
      for (let place = 1; place <= 5; place += 1) {
        assert.deepEqual(checkReservedAttempt({ policy: POLICY, user: reserved(place), tenant: NO_FAILURES, now: start }), { locked: false }, `place ${place}`);
      }
      assert.deepEqual(checkReservedAttempt({ policy: POLICY, user: reserved(6), tenant: NO_FAILURES, now: start }), {
        locked: true,
        scope: 'user',
        until: new Date(start.getTime() + 15 * MINUTE),
        retryAfterSeconds: 900,
      });
    });

    it('refuses while a lockout holds, whatever the place', () => {
      const until = new Date(start.getTime() + 10 * MINUTE);
      assert.deepEqual(checkReservedAttempt({ policy: POLICY, user: reserved(1, { lockedUntil: until }), tenant: NO_FAILURES, now: start }), {
        locked: true,
        scope: 'user',
        until,
        retryAfterSeconds: 600,
      });
    });

    it('under a spray, admits a first attempt and holds back a user who already tried in this window', () => {
      const policy = { maxFailures: 5, windowMinutes: 15, tenantMaxFailures: 10 };
      const sprayed: FailureState = { failures: 10, windowStartedAt: start, lockedUntil: null };
      assert.deepEqual(checkReservedAttempt({ policy, user: reserved(1), tenant: sprayed, now: start }), { locked: false });
      assert.equal(checkReservedAttempt({ policy, user: reserved(2), tenant: sprayed, now: start }).locked, true);
    });

    it('after a failure, locks on the maxFailures-th place only', () => {
      assert.deepEqual(afterFailure({ policy: POLICY, user: reserved(4), tenant: NO_FAILURES, now: start }), { lockUntil: null, decision: { locked: false } });
      const fifth = afterFailure({ policy: POLICY, user: reserved(5), tenant: NO_FAILURES, now: start });
      assert.deepEqual(fifth.lockUntil, new Date(start.getTime() + 15 * MINUTE));
      assert.equal(fifth.decision.locked && fifth.decision.scope, 'user');
    });
  });

  it('refuses a policy outside its ranges, naming each field', () => {
    assertThrowsInvariant(() => lockoutPolicy({ maxFailures: 0, windowMinutes: 15 }));
    assertThrowsInvariant(() => lockoutPolicy({ maxFailures: 5, windowMinutes: 0 }));
    assertThrowsInvariant(() => lockoutPolicy({ maxFailures: 5, windowMinutes: 2.5 }));
    assertThrowsInvariant(() => lockoutPolicy({ maxFailures: 5, windowMinutes: 15, tenantMaxFailures: 4 }));
    assertThrowsInvariant(() => checkLockout({ policy: { maxFailures: -1, windowMinutes: 15 }, user: NO_FAILURES, tenant: NO_FAILURES, now: start }));
  });

  it("is a bug, not a caller's mistake: an InvariantError naming each bad field as {field, problem} for the log", () => {
    const error = (() => {
      try {
        lockoutPolicy({ maxFailures: 0, windowMinutes: 0 });
      } catch (caught) {
        return caught;
      }
      return assert.fail('expected a refusal');
    })();
    assert.ok(error instanceof InvariantError);
    assert.equal(detailsOf(error, 'internal_error'), undefined, 'nothing for the caller');
    assert.deepEqual(error.facts, {
      fields: [
        { field: 'maxFailures', problem: '1 to 100' },
        { field: 'windowMinutes', problem: '1 to 1440' },
      ],
    });
  });
});
