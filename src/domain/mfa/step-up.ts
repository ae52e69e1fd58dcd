import { TwofoldError } from '../errors';
import type { Clock } from '../ports/clock';
import type { BrowserSessions } from './browser-session';
import type { TotpCredentialRepository } from './ports';
import { isRecentlyVerified } from './session';
import type { ProtectedAction, VerificationContext, VerificationInput, VerificationService } from './verification-service';

/**
 * Step-up: sensitive actions ask for proof of the second factor, not only a Jira session.
 *
 * - Admin changes (policy, IDs, resets, unlocks, the connector): "sudo mode", as GitHub does it: a
 *   session *of this browser* (the credential it presents) that was verified within the policy's
 *   `stepUpMinutes`. A session earned in another browser does not count, and neither does an old one
 *   of this browser: an admin who walked away from an unlocked screen an hour ago is asked again.
 *   Before the admin has a second factor there is nothing to ask for, and the admin must be able to
 *   set things up.
 * - Replacing or removing one's own factor, or making new backup codes: a code entered for that very
 *   action, in the request, checked by the one verification service (replay guard, lockout budget,
 *   audit). No session, however fresh, stands in for it: someone at an unlocked browser cannot swap
 *   in their own phone.
 */
export class StepUp {
  constructor(
    private readonly credentials: TotpCredentialRepository,
    private readonly browserSessions: BrowserSessions,
    private readonly verification: VerificationService,
    private readonly clock: Clock,
  ) {}

  /**
   * `403 verification_required` unless the user has no second factor, or the browser that presented
   * `credential` holds a live session verified within the last `minutes`.
   */
  async requireRecentSession(tenant: string, accountId: string, credential: string | null, minutes: number): Promise<void> {
    if ((await this.credentials.enrollmentState(tenant, accountId)).active === null) return;
    const session = await this.browserSessions.current(tenant, accountId, credential);
    if (session === null) {
      throw new TwofoldError('verification_required', "Verify it's you in this browser with your second factor before changing admin settings.", {
        details: { reason: 'session', withinMinutes: minutes },
      });
    }
    if (!isRecentlyVerified(session.verifiedAt, this.clock.now(), minutes)) {
      throw new TwofoldError(
        'verification_required',
        `Verify it's you again first: admin changes need a verification in this browser in the last ${minutes} minutes.`,
        {
          details: { reason: 'recent', withinMinutes: minutes },
        },
      );
    }
  }

  /**
   * A code entered for `action`: `403 verification_required` (details `reason: 'code'`) without one;
   * with one, exactly what `POST /api/v1/me/verify` answers for it (`401 invalid_code`, `401
   * code_reused`, `429 locked_out`, …), except that a good one starts no session.
   */
  async requireCode(context: VerificationContext, proof: VerificationInput | null, action: ProtectedAction): Promise<void> {
    if (proof === null) {
      throw new TwofoldError('verification_required', 'Enter the code your app or token shows now (or a backup code) to confirm this change.', {
        details: { reason: 'code', action, accepts: ['code', 'backupCode'] },
      });
    }
    await this.verification.proveForAction(context, proof, action);
  }
}
