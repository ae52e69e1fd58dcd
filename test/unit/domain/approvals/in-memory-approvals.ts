import type {
  ChallengeRecord,
  ChallengeRepository,
  DeviceRepository,
  PairedDevice,
  PairingRecord,
  PairingRepository,
  PushSender,
  PushSubscription,
} from '../../../../src/domain/approvals/ports';

/** The access pass's repositories in memory, with the same conditional semantics as the SQL ones. */
export class InMemoryPairings implements PairingRepository {
  readonly rows = new Map<string, PairingRecord>();
  async create(tokenHash: string, record: Omit<PairingRecord, 'usedAt'>) {
    this.rows.set(tokenHash, { ...record, usedAt: null });
  }
  async find(tokenHash: string) {
    return this.rows.get(tokenHash) ?? null;
  }
  async use(tokenHash: string, now: Date) {
    const row = this.rows.get(tokenHash);
    if (!row || row.usedAt !== null) return false;
    this.rows.set(tokenHash, { ...row, usedAt: now });
    return true;
  }
}

export class InMemoryDevices implements DeviceRepository {
  readonly rows = new Map<string, { device: PairedDevice; tokenHash: string; push: PushSubscription | null }>();
  async create(device: PairedDevice, tokenHash: string) {
    this.rows.set(device.id, { device, tokenHash, push: null });
  }
  async findByToken(tokenHash: string) {
    return [...this.rows.values()].find((row) => row.tokenHash === tokenHash)?.device ?? null;
  }
  async list(tenant: string, accountId: string) {
    return [...this.rows.values()].map((row) => row.device).filter((device) => device.tenant === tenant && device.accountId === accountId);
  }
  async accountsWithDevices(tenant: string, accountIds: readonly string[]) {
    return new Set(
      [...this.rows.values()]
        .map((row) => row.device)
        .filter((d) => d.tenant === tenant && accountIds.includes(d.accountId))
        .map((d) => d.accountId),
    );
  }
  async remove(tenant: string, accountId: string, deviceId: string) {
    const row = this.rows.get(deviceId);
    if (!row || row.device.tenant !== tenant || row.device.accountId !== accountId) return false;
    return this.rows.delete(deviceId);
  }
  async removeAll(tenant: string, accountId: string) {
    const mine = await this.list(tenant, accountId);
    for (const device of mine) this.rows.delete(device.id);
    return mine.length;
  }
  async touch(deviceId: string, at: Date) {
    const row = this.rows.get(deviceId);
    if (row) row.device = { ...row.device, lastUsedAt: at };
  }
  async savePushSubscription(deviceId: string, subscription: PushSubscription | null) {
    const row = this.rows.get(deviceId);
    if (row) row.push = subscription;
  }
  async pushSubscriptions(tenant: string, accountId: string) {
    return [...this.rows.values()]
      .filter((row) => row.device.tenant === tenant && row.device.accountId === accountId && row.push !== null)
      .map((row) => ({ deviceId: row.device.id, subscription: row.push as PushSubscription }));
  }
}

export class InMemoryChallenges implements ChallengeRepository {
  readonly rows = new Map<string, ChallengeRecord>();
  async create(challenge: ChallengeRecord) {
    this.rows.set(challenge.id, challenge);
  }
  async find(tenant: string, accountId: string, id: string) {
    const row = this.rows.get(id);
    return row && row.tenant === tenant && row.accountId === accountId ? row : null;
  }
  async pending(tenant: string, accountId: string, now: Date) {
    return [...this.rows.values()].filter(
      (row) => row.tenant === tenant && row.accountId === accountId && row.state === 'pending' && row.expiresAt.getTime() > now.getTime(),
    );
  }
  async settle(tenant: string, id: string, to: 'approved' | 'denied', _deviceId: string, now: Date) {
    const row = this.rows.get(id);
    if (!row || row.tenant !== tenant || row.state !== 'pending' || row.expiresAt.getTime() <= now.getTime()) return false;
    this.rows.set(id, { ...row, state: to });
    return true;
  }
  async claim(tenant: string, id: string, now: Date) {
    const row = this.rows.get(id);
    if (!row || row.tenant !== tenant || row.state !== 'approved' || row.claimedAt !== null) return false;
    this.rows.set(id, { ...row, claimedAt: now });
    return true;
  }
}

/** A push service that records what it was asked to send; `gone` marks subscriptions it answers 410 for. */
export class RecordingPush implements PushSender {
  readonly sent: { endpoint: string; payload: string }[] = [];
  readonly gone = new Set<string>();
  constructor(readonly enabled = true) {}
  async send(subscription: PushSubscription, payload: string): Promise<'sent' | 'gone'> {
    if (this.gone.has(subscription.endpoint)) return 'gone';
    this.sent.push({ endpoint: subscription.endpoint, payload });
    return 'sent';
  }
}
