import type { MailMessage } from '../ports/mail-sender';
import { EMAIL_CODE_TTL_MINUTES, type EmailCodePurpose } from './email-code';

export interface EmailCodeMessageInput {
  readonly to: string;
  readonly code: string;
  readonly purpose: EmailCodePurpose;
  /** The policy's service name (branding): what the user knows the site as. */
  readonly serviceName: string;
  readonly requestedAt: Date;
  /** The address the request came from, as the app saw it; null when unknown. */
  readonly requestedFrom: string | null;
}

/**
 * The text of an email code. Plain text, and no link of any kind: a mail that links to a sign-in page
 * is what phishing looks like, and a user must never learn to follow one. It says which service asked,
 * when and from where, so that a request the user did not make stands out.
 */
export function emailCodeMessage(input: EmailCodeMessageInput): MailMessage {
  const grouped = `${input.code.slice(0, 4)} ${input.code.slice(4)}`;
  const when = `${input.requestedAt
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d{3}Z$/, '')} UTC`;
  const what = input.purpose === 'verify' ? 'to verify it is you' : 'to confirm your email address before you set up two-step verification';
  return {
    to: input.to,
    // No code in the subject: subjects show on lock screens and in notification previews.
    subject: `${input.serviceName}: your verification code`,
    text: [
      `Your ${input.serviceName} verification code is:`,
      '',
      `    ${grouped}`,
      '',
      `Someone asked for it ${what} in Twofold on ${input.serviceName}.`,
      `Requested at: ${when}`,
      `Requested from IP address: ${input.requestedFrom ?? 'unknown'}`,
      `The code works once, within ${EMAIL_CODE_TTL_MINUTES} minutes.`,
      '',
      'Type it on the page that asked for it. Nobody from your company or from Twofold will ever ask you for this code.',
      'If you did not ask for it, ignore this message and tell your Jira administrator: someone may be trying to sign in as you.',
      'This message contains no links, and Twofold never sends mail that asks for your password.',
    ].join('\n'),
  };
}
