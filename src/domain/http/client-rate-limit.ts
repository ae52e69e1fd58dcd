import type { Clock } from '../ports/clock';

/** How many requests one client address may make to one group of endpoints, per window. */
export interface RateLimitRule {
  readonly limit: number;
  readonly windowSeconds: number;
}

export type RateLimitDecision = { readonly allowed: true } | { readonly allowed: false; readonly retryAfterSeconds: number };

interface Window {
  startedAt: number;
  count: number;
}

/**
 * A per-client-address limit for the endpoints anyone can call without a Jira token (install hooks, the
 * OAuth callback, the gate's verify and enroll pages, the companion's pairing): a flood from one address
 * gets `429` and leaves the rest of the service to everyone else. Fixed windows per (bucket, address),
 * in memory, per instance: each instance protects its own capacity, which is what the limit is for.
 * Codes themselves are guarded by the per-user lockout, which is shared across instances.
 *
 * The table is bounded: when it is full, windows that have ended are dropped, then the oldest ones, so
 * that a spray of spoofed addresses cannot grow memory without end.
 */
export class ClientRateLimiter {
  private readonly windows = new Map<string, Window>();

  constructor(
    private readonly clock: Clock,
    private readonly maxTracked = 50_000,
  ) {}

  /** Counts this request of `client` against `bucket`'s rule, and says whether it may go on. */
  take(bucket: string, rule: RateLimitRule, client: string): RateLimitDecision {
    const now = this.clock.now().getTime();
    const key = `${bucket}\u0000${client}`;
    const windowMs = rule.windowSeconds * 1000;
    let window = this.windows.get(key);
    if (!window || now - window.startedAt >= windowMs) {
      if (window) this.windows.delete(key);
      if (this.windows.size >= this.maxTracked) this.prune(now, windowMs);
      window = { startedAt: now, count: 0 };
      this.windows.set(key, window);
    }
    window.count += 1;
    if (window.count <= rule.limit) return { allowed: true };
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((window.startedAt + windowMs - now) / 1000)) };
  }

  private prune(now: number, windowMs: number): void {
    for (const [key, window] of this.windows) if (now - window.startedAt >= windowMs) this.windows.delete(key);
    // Map iteration is insertion order: the first entries are the oldest windows.
    for (const key of this.windows.keys()) {
      if (this.windows.size < this.maxTracked) break;
      this.windows.delete(key);
    }
  }
}
