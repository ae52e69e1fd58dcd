import type { MailMessage, MailSender } from '../../domain/ports/mail-sender';

/** One message as the development outbox keeps it. */
export interface OutboxMessage extends MailMessage {
  readonly id: number;
  readonly from: string;
  readonly at: Date;
}

/**
 * Development only, with no `SMTP_URL`: mail is kept in memory (the latest `capacity` messages) and
 * shown by the sandbox host at `/sandbox/outbox`, so that email codes can be tried without a mail
 * server. Never wired in production (app.ts), where no SMTP means no email codes.
 */
export class Outbox implements MailSender {
  private readonly messages: OutboxMessage[] = [];
  private next = 1;

  constructor(
    private readonly from: string,
    private readonly now: () => Date,
    private readonly capacity = 50,
  ) {}

  send(message: MailMessage): Promise<void> {
    this.messages.unshift({ ...message, id: this.next++, from: this.from, at: this.now() });
    this.messages.length = Math.min(this.messages.length, this.capacity);
    return Promise.resolve();
  }

  /** Newest first. */
  list(): readonly OutboxMessage[] {
    return this.messages;
  }
}
