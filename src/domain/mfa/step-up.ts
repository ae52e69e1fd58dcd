import { TwofoldError } from '../errors';
import type { Clock } from '../ports/clock';
import type { TotpCredentialRepository, VerificationSessionRepository } from './ports';
import { isRecentlyVerified, isVerified } from './session';

/**
 * Step-up: sensitive actions ask for proof of the second factor, not only a Jira session.
 *
 * - Admin changes (policy, IDs, resets, the connector): a current 2FA session, once the admin has
 *   a second factor (before that there is nothing to ask for, and the admin must be able to set
 *   things up).
 * - Replacing or removing one's own factor, or making new backup codes: a verification within the
 *   policy's `stepUpMinutes`, so that someone at an unlocked browser cannot swap in their own phone.
 */
export class StepUp {
  constructor(
    private readonly credentials: TotpCredentialRepository,
    private readonly sessions: VerificationSessionRepository,
    private readonly clock: Clock,
  ) {}

  /** `403 verification_required` unless the user is unenrolled or holds a current 2FA session. */
  async requireCurrentSession(tenant: string, accountId: string): Promise<void> {
    if ((await this.credentials.enrollmentState(tenant, accountId)).active === null) return;
    const session = await this.sessions.find(tenant, accountId);
    if (isVerified(session?.verifiedUntil ?? null, this.clock.now())) return;
    throw new TwofoldError('verification_required', "Verify it's you with your second factor before changing admin settings.", {
      details: { reason: 'session' },
    });
  }

  /** `403 verification_required` unless the user verified within the last `minutes`. */
  async requireRecentVerification(tenant: string, accountId: string, minutes: number): Promise<void> {
    const session = await this.sessions.find(tenant, accountId);
    if (isRecentlyVerified(session?.verifiedAt ?? null, this.clock.now(), minutes)) return;
    throw new TwofoldError('verification_required', `Verify it's you again first: this needs a verification in the last ${minutes} minutes.`, {
      details: { reason: 'recent', withinMinutes: minutes },
    });
  }
}
