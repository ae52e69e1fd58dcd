import nodemailer, { type Transporter } from 'nodemailer';
import type { MailMessage, MailSender } from '../../domain/ports/mail-sender';

/**
 * Mail through an SMTP server (`SMTP_URL`: `smtp://host:port`, `smtps://user:pass@host:465`) with
 * nodemailer. Timeouts are bounded, so that a dead mail server answers the user with an error within
 * seconds instead of holding the request.
 */
export class SmtpMailSender implements MailSender {
  private readonly transport: Transporter;

  constructor(
    smtpUrl: string,
    private readonly from: string,
  ) {
    this.transport = nodemailer.createTransport({ url: smtpUrl, connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 20_000 });
  }

  async send(message: MailMessage): Promise<void> {
    await this.transport.sendMail({ from: this.from, to: message.to, subject: message.subject, text: message.text });
  }

  close(): void {
    this.transport.close();
  }
}
