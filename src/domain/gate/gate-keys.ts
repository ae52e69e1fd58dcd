import { createHash, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../ports/clock';
import type { Random } from '../ports/random';
import type { GateRepository } from './ports';

/** A gate key: `tfg_` and 256 random bits, base64url. Shown once; only its SHA-256 is stored. */
export function newGateKey(random: Random): { key: string; keyHash: string } {
  const key = `tfg_${Buffer.from(random.bytes(32)).toString('base64url')}`;
  return { key, keyHash: gateKeyHash(key) };
}

export function gateKeyHash(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** The gate a request's key names. */
export interface ResolvedGate {
  readonly id: string;
  readonly tenant: string;
}

interface Entry {
  readonly gate: ResolvedGate;
  readonly keyHash: Buffer;
  readonly until: number;
}

const KEY_FORMAT = /^tfg_[A-Za-z0-9_-]{43}$/;
/** How often a gate's `last_used_at` is written at most: a busy site asks many times a second. */
const TOUCH_EVERY_MS = 60_000;

/**
 * Finds the gate of a presented key: by the SHA-256 of the key (the table's primary key, one index
 * probe), compared once more in constant time, and kept in memory for a short while so that the hot
 * path asks nothing. Revocation reaches every instance at once: the revoking instance publishes a
 * tenant change (tenant-change-notifier.ts), on which each instance drops the tenant's keys
 * ({@link forgetTenant}); and no entry outlives `ttlMs`, should a notification be lost.
 */
export class GateKeys {
  private readonly cache = new Map<string, Entry>();
  private readonly touched = new Map<string, number>();

  constructor(
    private readonly repository: GateRepository,
    private readonly clock: Clock,
    private readonly ttlMs: number,
    private readonly onTouchFailure: (error: unknown) => void = () => {},
  ) {}

  async resolve(presented: string | undefined): Promise<ResolvedGate | null> {
    if (presented === undefined || !KEY_FORMAT.test(presented)) return null;
    const hashText = gateKeyHash(presented);
    const hash = Buffer.from(hashText, 'hex');
    const now = this.clock.now().getTime();
    const cached = this.cache.get(hashText);
    if (cached !== undefined && cached.until > now && timingSafeEqual(cached.keyHash, hash)) {
      this.touch(cached.gate.id, now);
      return cached.gate;
    }
    const found = await this.repository.findByKeyHash(hashText);
    if (found === null || !timingSafeEqual(Buffer.from(found.keyHash, 'hex'), hash)) {
      this.cache.delete(hashText);
      return null;
    }
    const gate = { id: found.id, tenant: found.tenant };
    this.cache.set(hashText, { gate, keyHash: hash, until: now + this.ttlMs });
    this.touch(gate.id, now);
    return gate;
  }

  /** A gate of this tenant was revoked (here or on another instance), or everything is suspect (`undefined`). */
  forgetTenant(tenant: string | undefined): void {
    for (const [hash, entry] of this.cache) if (tenant === undefined || entry.gate.tenant === tenant) this.cache.delete(hash);
  }

  private touch(id: string, now: number): void {
    if ((this.touched.get(id) ?? 0) + TOUCH_EVERY_MS > now) return;
    this.touched.set(id, now);
    this.repository.touch(id, new Date(now)).catch(this.onTouchFailure);
  }
}
