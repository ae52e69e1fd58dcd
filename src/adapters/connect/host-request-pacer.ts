/** Where an unknown host's pace starts, in requests a second. */
const INITIAL_RATE = 50;
/** The pace never falls below this, however often the host refuses. */
const MIN_RATE = 5;
/** After a refusal: this share of what the host really served in the last second. */
const DECREASE = 0.9;
/**
 * What each answered request adds to the pace: before the first refusal half a request a second (the
 * pace grows by half of itself each second: a fast start), after it 0.005 (0.5 % a second, whatever the
 * site's limit: about 20 s from one refusal to the next, so that the pauses cost little).
 */
const FAST_GROWTH_PER_REQUEST = 0.5;
const SLOW_GROWTH_PER_REQUEST = 0.005;
/** A 429 without Retry-After pauses the host this long (the refused request itself waits longer: host-user-property-gateway.ts). */
const DEFAULT_PAUSE_MS = 1_000;
/** A request is not held longer than this for its turn; it is answered as refused instead (interactive calls must not hang). */
const MAX_HOLD_MS = 10_000;

export interface PacerTime {
  now(): number;
  sleep(ms: number): Promise<void>;
}

const realTime: PacerTime = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** A request's turn: send it at once, or (the host asked for a pause longer than a caller may wait) do not send it. */
export type Turn = { readonly send: true; readonly at: number } | { readonly send: false; readonly retryAfterMs: number };

/**
 * The pace of the app's requests to one Jira site, learned from its 429s, so that a rollout or an export
 * of 20,000 users spends the site's rate limit on work instead of on refusals.
 *
 * Jira Cloud does not publish a fixed limit (it is a budget per app and site that varies), so the pace
 * is found as TCP finds a link's capacity: requests go out evenly spaced at the current rate; the rate
 * grows quickly until the first 429, then by 0.5 % a second; each 429 sets it to 90 %
 * of what the site actually served in the last second and pauses every request to the site until the
 * 429's Retry-After has passed (honoured for all of them, not just the refused one). Requests sent before
 * that decrease that come back 429 too were part of the same overshoot and do not lower it again.
 */
export class HostRequestPacer {
  private rate = INITIAL_RATE;
  private limitSeen = false;
  private nextAt = 0;
  private pausedUntil = 0;
  private lastDecreaseAt = -Infinity;
  /** When recent answers that were not refusals came back, oldest first (at most one second's worth). */
  private readonly served: number[] = [];

  constructor(private readonly time: PacerTime = realTime) {}

  /** Waits for the next request's turn. */
  async turn(): Promise<Turn> {
    const now = this.time.now();
    const at = Math.max(now, this.nextAt, this.pausedUntil);
    if (at - now > MAX_HOLD_MS) return { send: false, retryAfterMs: at - now };
    this.nextAt = at + 1000 / this.rate;
    if (at > now) await this.time.sleep(at - now);
    return { send: true, at };
  }

  /** The site answered a request with something other than 429. */
  answered(): void {
    const now = this.time.now();
    this.served.push(now);
    this.forgetBefore(now - 1000);
    this.rate += this.limitSeen ? SLOW_GROWTH_PER_REQUEST : FAST_GROWTH_PER_REQUEST;
  }

  /** The site answered a request sent at `sentAt` with 429, asking to wait `retryAfterMs` (undefined: it did not say). */
  refused(sentAt: number, retryAfterMs: number | undefined): void {
    const now = this.time.now();
    this.pausedUntil = Math.max(this.pausedUntil, now + (retryAfterMs ?? DEFAULT_PAUSE_MS));
    this.nextAt = Math.max(this.nextAt, this.pausedUntil);
    if (sentAt < this.lastDecreaseAt) return;
    this.forgetBefore(now - 1000);
    this.limitSeen = true;
    this.rate = Math.max(MIN_RATE, Math.min(this.rate, this.served.length) * DECREASE);
    this.lastDecreaseAt = now;
  }

  private forgetBefore(cutoff: number): void {
    let first = this.served[0];
    while (first !== undefined && first <= cutoff) {
      this.served.shift();
      first = this.served[0];
    }
  }

  /** The current pace, in requests a second. */
  get requestsPerSecond(): number {
    return this.rate;
  }
}

/** One pacer per site (by base URL). */
export class HostPacers {
  private readonly pacers = new Map<string, HostRequestPacer>();

  constructor(private readonly time: PacerTime = realTime) {}

  for(baseUrl: string): HostRequestPacer {
    let pacer = this.pacers.get(baseUrl);
    if (!pacer) {
      pacer = new HostRequestPacer(this.time);
      this.pacers.set(baseUrl, pacer);
    }
    return pacer;
  }
}
