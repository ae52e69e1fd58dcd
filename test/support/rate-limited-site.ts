/**
 * A site's rate limit as Jira Cloud applies it: `rate` requests a second, refilled continuously, with a
 * second's worth of burst; beyond it a request is refused (the caller answers 429 with Retry-After).
 * The host request pacer's unit test runs it on simulated time, bench/rollout.ts on the clock.
 */
export class RateLimitedSite {
  private tokens: number;
  served = 0;
  refused = 0;

  constructor(
    private readonly rate: number,
    private last = 0,
  ) {
    this.tokens = rate;
  }

  /** Whether a request at `now` (ms) is served. */
  take(now: number): boolean {
    this.tokens = Math.min(this.rate, this.tokens + ((now - this.last) / 1000) * this.rate);
    this.last = now;
    if (this.tokens < 1) {
      this.refused += 1;
      return false;
    }
    this.tokens -= 1;
    this.served += 1;
    return true;
  }
}
