import type { DevicePublicKey } from './signature';

/**
 * What the access pass keeps (src/adapters/db implements it). Every credential a phone or a page holds
 * (pairing token, device token) is stored as its SHA-256 only; every lookup also filters on tenant and
 * account, so nothing of one user is reachable through another's.
 */

/** A pairing started on the Two-step verification page: single use, 10 minutes. */
export interface PairingRecord {
  readonly tenant: string;
  readonly accountId: string;
  readonly expiresAt: Date;
  readonly usedAt: Date | null;
}

export interface PairingRepository {
  create(tokenHash: string, record: Omit<PairingRecord, 'usedAt'>, now: Date): Promise<void>;
  find(tokenHash: string): Promise<PairingRecord | null>;
  /** Marks it used, if nobody did before (a conditional UPDATE): false means another phone took it. */
  use(tokenHash: string, now: Date): Promise<boolean>;
}

/** A Web Push subscription, as the browser's PushManager gives it (sealed at rest: its keys let one write to the phone). */
export interface PushSubscription {
  readonly endpoint: string;
  readonly keys: { readonly p256dh: string; readonly auth: string };
}

export interface PairedDevice {
  readonly id: string;
  readonly tenant: string;
  readonly accountId: string;
  readonly name: string;
  readonly publicKey: DevicePublicKey;
  readonly pairedAt: Date;
  readonly lastUsedAt: Date | null;
}

export interface DeviceRepository {
  create(device: PairedDevice, tokenHash: string): Promise<void>;
  /** The device whose bearer token hashes to `tokenHash` (the companion's calls). */
  findByToken(tokenHash: string): Promise<PairedDevice | null>;
  list(tenant: string, accountId: string): Promise<PairedDevice[]>;
  /** Which of these users have a paired phone (the admin's user list, one query a page). */
  accountsWithDevices(tenant: string, accountIds: readonly string[]): Promise<Set<string>>;
  /** Whether it removed the device (false: not this user's, or gone already). */
  remove(tenant: string, accountId: string, deviceId: string): Promise<boolean>;
  removeAll(tenant: string, accountId: string): Promise<number>;
  touch(deviceId: string, at: Date): Promise<void>;
  savePushSubscription(deviceId: string, subscription: PushSubscription | null): Promise<void>;
  /** The push subscriptions of the user's devices (opened from their sealed form). */
  pushSubscriptions(tenant: string, accountId: string): Promise<{ deviceId: string; subscription: PushSubscription }[]>;
}

export type ChallengeState = 'pending' | 'approved' | 'denied';

/** An access-pass challenge as stored; `expired` is not stored: it is a pending one past `expiresAt`. */
export interface ChallengeRecord {
  readonly id: string;
  readonly tenant: string;
  readonly accountId: string;
  readonly symbolId: string;
  /** The four symbol ids the phone offers, in display order (only the right one when the policy hides the comparison). */
  readonly choices: readonly string[];
  readonly nonce: string;
  readonly state: ChallengeState;
  /** Who, which site, from where: what the phone shows about the request. */
  readonly userLabel: string;
  readonly site: string;
  readonly ip: string;
  readonly createdAt: Date;
  readonly expiresAt: Date;
  /** When the browser that asked took its session (an approval gives one session, once). */
  readonly claimedAt: Date | null;
}

export interface ChallengeRepository {
  create(challenge: ChallengeRecord): Promise<void>;
  find(tenant: string, accountId: string, id: string): Promise<ChallengeRecord | null>;
  /** The user's pending challenges that have not expired at `now`, oldest first. */
  pending(tenant: string, accountId: string, now: Date): Promise<ChallengeRecord[]>;
  /**
   * pending → approved or denied, only while it is pending and unexpired at `now` (a conditional
   * UPDATE): false means it was answered or expired first, so that one answer wins.
   */
  settle(tenant: string, id: string, to: 'approved' | 'denied', deviceId: string, now: Date): Promise<boolean>;
  /** An approved challenge gives its session once: false when it was claimed already. */
  claim(tenant: string, id: string, now: Date): Promise<boolean>;
}

/** Sends a notification to a phone (Web Push); a subscription the push service says is gone is reported. */
export interface PushSender {
  /** Whether pushing is configured at all (VAPID keys): without it the phone sees requests when the companion is open. */
  readonly enabled: boolean;
  send(subscription: PushSubscription, payload: string): Promise<'sent' | 'gone'>;
}
