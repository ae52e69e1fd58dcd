/** One plain-text message. Twofold's mail carries no HTML and no links (see email-code-message.ts). */
export interface MailMessage {
  readonly to: string;
  readonly subject: string;
  readonly text: string;
}

/**
 * Delivers mail: SMTP through nodemailer in production, the sandbox's outbox in development
 * (src/adapters/mail/). Resolves once the message is handed over; rejects when it could not be, so
 * that a code is never reported as sent when it was not.
 */
export interface MailSender {
  send(message: MailMessage): Promise<void>;
}
