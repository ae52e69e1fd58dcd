import type { Agent } from 'node:https';
import webpush from 'web-push';
import type { PushSender, PushSubscription } from '../../domain/approvals/ports';

/** How long the push service keeps a notification for a phone that is off: the challenge's own lifetime. */
const TTL_SECONDS = 120;

/**
 * Web Push (RFC 8030, payload encrypted per RFC 8291, VAPID per RFC 8292) through the `web-push`
 * library, when WEB_PUSH_VAPID_* are configured. A subscription the push service answers 404 or 410
 * for is gone (the phone unsubscribed or was reset): the caller forgets it.
 */
export class WebPushSender implements PushSender {
  readonly enabled = true;

  /** `agent`: an https agent of the caller's (an egress proxy's CA, or a test's push service). */
  constructor(
    private readonly vapid: { publicKey: string; privateKey: string; subject: string },
    private readonly agent?: Agent,
  ) {}

  async send(subscription: PushSubscription, payload: string): Promise<'sent' | 'gone'> {
    try {
      await webpush.sendNotification({ endpoint: subscription.endpoint, keys: { ...subscription.keys } }, payload, {
        TTL: TTL_SECONDS,
        urgency: 'high',
        vapidDetails: this.vapid,
        timeout: 10_000,
        ...(this.agent ? { agent: this.agent } : {}),
      });
      return 'sent';
    } catch (error) {
      const status = (error as { statusCode?: number }).statusCode;
      if (status === 404 || status === 410) return 'gone';
      throw error;
    }
  }
}

/** Without VAPID keys nothing is sent: the phone sees requests while the companion is open. */
export const NO_PUSH: PushSender = {
  enabled: false,
  send: () => Promise.reject(new Error('Web Push is not configured')),
};
