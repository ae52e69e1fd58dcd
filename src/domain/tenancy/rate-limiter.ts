import type { Clock } from '../ports/clock';

/**
 * A fixed-window counter per key, in this instance's memory: for cheap lookups that a page makes as
 * the user types (the ID availability check), where the point is to stop one account from walking
 * the ID space, not exact accounting across instances. Bounded: a full table is cleared.
 */
export class RateLimiter {
  private readonly windows = new Map<string, { startedAt: number; count: number }>();

  constructor(
    private readonly clock: Clock,
    private readonly max: number,
    private readonly windowSeconds: number,
    private readonly maxKeys = 10_000,
  ) {}

  /** Takes one place for `key`: `null` when allowed, else the seconds until the window ends. */
  take(key: string): number | null {
    const now = this.clock.now().getTime();
    const windowMs = this.windowSeconds * 1000;
    let entry = this.windows.get(key);
    if (!entry || now - entry.startedAt >= windowMs) {
      if (this.windows.size >= this.maxKeys) this.windows.clear();
      entry = { startedAt: now, count: 0 };
      this.windows.set(key, entry);
    }
    if (entry.count >= this.max) return Math.max(1, Math.ceil((entry.startedAt + windowMs - now) / 1000));
    entry.count += 1;
    return null;
  }
}
