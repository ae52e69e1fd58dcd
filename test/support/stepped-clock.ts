import { FixedClock } from '../../src/domain/ports/clock';

/**
 * A frozen clock for tests that start the app: real time (so that ACE accepts the sandbox's install
 * hook, which is signed with the app's clock and checked against real time), set to two seconds into
 * a 60-second boundary, so that a test knows which 30- and 60-second step it is in and moves on by
 * hand. Make it when the suite starts (in `before`), not when the file loads: files that ran earlier
 * may have taken minutes, and a clock that old fails the install.
 */
export function steppedClock(): FixedClock {
  const now = Date.now();
  return new FixedClock(new Date(Math.floor(now / 60_000) * 60_000 + 2_000));
}
