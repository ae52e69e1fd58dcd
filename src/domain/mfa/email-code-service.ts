import type { AuditLog } from '../audit/audit-log';
import type { UserDirectory } from '../directory/user-directory';
import { TwofoldError } from '../errors';
import { DATA_CENTER_ACCOUNT_PREFIX } from '../idmap/user-property-gateway';
import type { Clock } from '../ports/clock';
import type { MailSender } from '../ports/mail-sender';
import type { Random } from '../ports/random';
import type { TenantPolicy } from '../policy/policy';
import type { Tenant } from '../tenancy/tenant';
import {
  EMAIL_CODE_TTL_MINUTES,
  EMAIL_SEND_LIMIT,
  EMAIL_SEND_WINDOW_MINUTES,
  generateEmailCode,
  hashEmailCode,
  maskEmailAddress,
  type EmailCodePurpose,
  type EmailCodeRepository,
} from './email-code';
import { emailCodeMessage } from './email-code-message';

export interface EmailCodeServiceDeps {
  readonly codes: EmailCodeRepository;
  /** Where the user's address comes from: their Jira account, never what a request says. */
  readonly directory: Pick<UserDirectory, 'getUser'>;
  /** Null when no mail can be sent (production without `SMTP_URL`): email codes are then unavailable. */
  readonly mail: MailSender | null;
  readonly audit: AuditLog;
  readonly clock: Clock;
  readonly random: Random;
}

export interface SentEmailCode {
  /** The address, masked (`b***@example.com`). */
  readonly sentTo: string;
  readonly expiresAt: Date;
}

/**
 * `POST /api/v1/me/email-code`: sends an email code to the user's Jira address. The code is checked
 * by the verification service (`{emailCode}`), under the same lockout budget as every other code, or,
 * for onboarding, by `EmailConfirmation`.
 *
 * The order: the policy (`method_disabled`), a mail service (`mail_not_configured`), the address
 * (`email_hidden`), then the send limit, taken atomically with storing the code (`too_many_emails`);
 * only a stored code is mailed. A failed delivery is an error the user sees (`503
 * service_unavailable`), never a silent drop; its code is discarded, so that a mail server outage
 * does not use up the user's sends.
 */
export class EmailCodeService {
  constructor(private readonly deps: EmailCodeServiceDeps) {}

  /** Whether mail can be sent at all in this deployment. */
  get mailAvailable(): boolean {
    return this.deps.mail !== null;
  }

  /**
   * Whether `email` is a method this user can use now: the policy offers it, mail can be sent, and
   * Jira shows the user's address to the app. Asks the (cached) directory only when the rest holds.
   */
  async usableFor(tenant: Tenant, accountId: string, policy: TenantPolicy): Promise<boolean> {
    if (!policy.methods.includes('email') || this.deps.mail === null) return false;
    try {
      return ((await this.deps.directory.getUser(tenant, accountId))?.emailAddress ?? null) !== null;
    } catch {
      return false;
    }
  }

  async send(tenant: Tenant, accountId: string, policy: TenantPolicy, purpose: EmailCodePurpose, requestedFrom: string | null): Promise<SentEmailCode> {
    if (purpose === 'verify' && !policy.methods.includes('email')) {
      throw new TwofoldError('method_disabled', 'Email codes are turned off on this site. Use the code from your app or token.');
    }
    if (purpose === 'confirm_email' && !policy.confirmEmailOnEnrollment) {
      throw new TwofoldError('forbidden', 'This site does not confirm email addresses during set-up.');
    }
    const mail = this.deps.mail;
    if (mail === null) {
      throw new TwofoldError('mail_not_configured', 'Twofold cannot send email on this site: its administrator has not configured a mail server (SMTP_URL).');
    }
    const user = await this.deps.directory.getUser(tenant, accountId);
    const address = user?.emailAddress ?? null;
    if (address === null) {
      throw new TwofoldError(
        'email_hidden',
        accountId.startsWith(DATA_CENTER_ACCOUNT_PREFIX)
          ? 'Jira Data Center does not show your email address to Twofold, so no code can be sent. Use your app or token.'
          : 'Jira does not show your email address to Twofold (your Atlassian profile hides it), so no code can be sent. Make it visible in your profile settings, or use your app or token.',
      );
    }

    const now = this.deps.clock.now();
    const code = generateEmailCode(this.deps.random);
    const expiresAt = new Date(now.getTime() + EMAIL_CODE_TTL_MINUTES * 60_000);
    const id = this.deps.random.bytes(16).toString('hex');
    const issue = await this.deps.codes.issue(
      tenant.clientKey,
      accountId,
      { id, hash: hashEmailCode(code, this.deps.random), purpose, address, createdAt: now, expiresAt },
      { since: new Date(now.getTime() - EMAIL_SEND_WINDOW_MINUTES * 60_000), max: EMAIL_SEND_LIMIT },
    );
    if (!issue.issued) {
      const retryAfterSeconds = Math.max(1, Math.ceil((issue.oldestSendAt.getTime() + EMAIL_SEND_WINDOW_MINUTES * 60_000 - now.getTime()) / 1000));
      throw new TwofoldError(
        'too_many_emails',
        `At most ${EMAIL_SEND_LIMIT} codes are sent by email in ${EMAIL_SEND_WINDOW_MINUTES} minutes. Use the last one you got, or wait.`,
        {
          retryAfterSeconds,
          details: { retryAfterSeconds },
        },
      );
    }
    try {
      await mail.send(emailCodeMessage({ to: address, code, purpose, serviceName: policy.branding.serviceName, requestedAt: now, requestedFrom }));
    } catch (error) {
      await this.deps.codes.discard(tenant.clientKey, accountId, id).catch(() => undefined);
      throw new TwofoldError('service_unavailable', 'The email could not be sent: the mail server did not take it. Try again in a moment.', { cause: error });
    }
    await this.deps.audit.record(tenant.clientKey, {
      at: now,
      actorAccountId: accountId,
      action: 'email_code.sent',
      subjectAccountId: accountId,
      detail: { purpose, sentTo: maskEmailAddress(address), ip: requestedFrom },
    });
    return { sentTo: maskEmailAddress(address), expiresAt };
  }
}
