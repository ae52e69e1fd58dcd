import type { Clock } from '../ports/clock';
import type { Tenant, TenantRepository } from './tenant';

interface Entry<T> {
  value: T;
  loadedAt: number;
}

export interface TenantCacheOptions {
  /** How long a tenant read from the database is trusted. */
  ttlSeconds: number;
  /** How long "no such tenant" is remembered (forged `iss` values must not each cost a query). */
  negativeTtlSeconds?: number;
  /**
   * At most this many tenants, and as many "no such tenant" answers, the oldest going first. The two
   * are kept apart so that a flood of forged `iss` values cannot push real tenants out.
   */
  maxEntries?: number;
  /** A forced re-read of one tenant happens at most this often (see `refreshAfterMismatch`). */
  minRefreshIntervalMs?: number;
}

/**
 * Verified tenants kept in memory, so that authenticating a request costs no database read
 * (ACE's own checkValidToken() reads the tenant on every request).
 *
 * It stays right across app instances three ways: install, reinstall and uninstall invalidate the
 * entry here and, on Postgres, on every other instance through LISTEN/NOTIFY; entries expire after a
 * short TTL in any case; and a signature that does not verify against a cached secret triggers one
 * rate-limited re-read, so that a new sharedSecret from a reinstall elsewhere takes effect without
 * waiting for the TTL.
 */
export class TenantCache {
  private readonly known = new Map<string, Entry<Tenant>>();
  private readonly unknown = new Map<string, Entry<null>>();
  private readonly loading = new Map<string, Promise<Tenant | null>>();
  /** When each tenant was last re-read because a signature did not verify: the rate limit's memory. */
  private readonly mismatchReadAt = new Map<string, number>();
  private readonly ttlMs: number;
  private readonly negativeTtlMs: number;
  private readonly maxEntries: number;
  private readonly minRefreshIntervalMs: number;

  constructor(
    private readonly repository: TenantRepository,
    private readonly clock: Clock,
    options: TenantCacheOptions,
  ) {
    this.ttlMs = options.ttlSeconds * 1000;
    this.negativeTtlMs = (options.negativeTtlSeconds ?? Math.min(options.ttlSeconds, 5)) * 1000;
    this.maxEntries = options.maxEntries ?? 10_000;
    this.minRefreshIntervalMs = options.minRefreshIntervalMs ?? 1000;
  }

  async get(clientKey: string): Promise<Tenant | null> {
    const now = this.clock.now().getTime();
    const known = this.known.get(clientKey);
    if (known && now - known.loadedAt < this.ttlMs) return known.value;
    const unknown = this.unknown.get(clientKey);
    if (unknown && now - unknown.loadedAt < this.negativeTtlMs) return null;
    return this.load(clientKey);
  }

  /**
   * The cached secret did not verify a token: re-read once, unless a mismatch made this tenant re-read
   * less than the minimum interval ago (a flood of forged tokens costs one query per interval). An
   * ordinary read does not count: a reinstall elsewhere may have changed the secret right after it.
   * Returns the re-read tenant, or null when nothing new can be learnt (the caller refuses the token).
   */
  async refreshAfterMismatch(clientKey: string): Promise<Tenant | null> {
    const now = this.clock.now().getTime();
    const last = this.mismatchReadAt.get(clientKey);
    if (last !== undefined && now - last < this.minRefreshIntervalMs) return null;
    if (this.mismatchReadAt.size >= this.maxEntries) this.mismatchReadAt.clear();
    this.mismatchReadAt.set(clientKey, now);
    const before = this.known.get(clientKey)?.value.sharedSecret;
    const tenant = await this.load(clientKey);
    return tenant && tenant.sharedSecret !== before ? tenant : null;
  }

  invalidate(clientKey: string): void {
    this.known.delete(clientKey);
    this.unknown.delete(clientKey);
    this.loading.delete(clientKey);
  }

  clear(): void {
    this.known.clear();
    this.unknown.clear();
    this.loading.clear();
  }

  private load(clientKey: string): Promise<Tenant | null> {
    const inFlight = this.loading.get(clientKey);
    if (inFlight) return inFlight; // one query for many concurrent requests of a tenant
    const promise: Promise<Tenant | null> = this.repository
      .findInstalled(clientKey)
      .then((tenant) => {
        // An invalidation while this read was in flight makes its answer stale: do not keep it.
        if (this.loading.get(clientKey) === promise) this.remember(clientKey, tenant);
        return tenant;
      })
      .finally(() => {
        if (this.loading.get(clientKey) === promise) this.loading.delete(clientKey);
      });
    this.loading.set(clientKey, promise);
    return promise;
  }

  private remember(clientKey: string, tenant: Tenant | null): void {
    this.known.delete(clientKey);
    this.unknown.delete(clientKey);
    const loadedAt = this.clock.now().getTime();
    if (tenant) keepNewest(this.known, clientKey, { value: tenant, loadedAt }, this.maxEntries);
    else keepNewest(this.unknown, clientKey, { value: null, loadedAt }, this.maxEntries);
  }
}

/** Adds an entry, first dropping the oldest (a Map iterates in insertion order) if the map is full. */
function keepNewest<T>(map: Map<string, T>, key: string, value: T, max: number): void {
  if (map.size >= max) {
    const oldest = map.keys().next();
    if (!oldest.done) map.delete(oldest.value);
  }
  map.set(key, value);
}
