import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  readonly to: string[];
  readonly from: string;
  readonly subject: string;
  readonly text: string;
  readonly html: string | false;
}

/**
 * A real SMTP server process (the smtp-server package, in this process, on a port of 127.0.0.1) that
 * accepts every message and keeps it parsed (mailparser), so that a test reads an emailed code out of
 * the message that was actually delivered over SMTP.
 */
export class SmtpSink {
  readonly messages: ReceivedMail[] = [];
  /** Refuse the next message (a 5xx answer to DATA), as a mail server that is out of service would. */
  refuseNext = false;
  private waiters: Array<() => void> = [];

  private constructor(
    private readonly server: SMTPServer,
    readonly port: number,
  ) {}

  static async start(): Promise<SmtpSink> {
    const holder: { sink?: SmtpSink } = {};
    const server = new SMTPServer({
      authOptional: true,
      // No STARTTLS: the sink has no certificate nodemailer would trust; the app talks plain SMTP to it.
      hideSTARTTLS: true,
      logger: false,
      onData(stream, _session, callback) {
        if (holder.sink?.refuseNext) {
          holder.sink.refuseNext = false;
          stream.resume();
          stream.on('end', () => callback(Object.assign(new Error('Mailbox unavailable'), { responseCode: 550 })));
          return;
        }
        simpleParser(stream)
          .then((parsed) => {
            const to = (Array.isArray(parsed.to) ? parsed.to : parsed.to ? [parsed.to] : []).flatMap((address) => address.value.map((v) => v.address ?? ''));
            holder.sink?.receive({ to, from: parsed.from?.text ?? '', subject: parsed.subject ?? '', text: parsed.text ?? '', html: parsed.html ?? false });
            callback();
          })
          .catch((error: Error) => callback(error));
      },
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    holder.sink = new SmtpSink(server, (server.server.address() as AddressInfo).port);
    return holder.sink;
  }

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  /** The `count`-th message (1-based) to arrive, waiting up to `timeoutMs` for it. */
  async nth(count: number, timeoutMs = 5000): Promise<ReceivedMail> {
    const deadline = Date.now() + timeoutMs;
    while (this.messages.length < count) {
      if (Date.now() > deadline) throw new Error(`no message number ${count} within ${timeoutMs} ms (got ${this.messages.length})`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 100);
      });
    }
    return this.messages[count - 1] as ReceivedMail;
  }

  private receive(mail: ReceivedMail): void {
    this.messages.push(mail);
    const waiting = this.waiters;
    this.waiters = [];
    for (const wake of waiting) wake();
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** The 8-digit code of an email code message (shown as `1234 5678`). */
export function emailedCode(mail: ReceivedMail): string {
  const match = /\b(\d{4}) (\d{4})\b/.exec(mail.text);
  if (!match) throw new Error(`no code in the message: ${mail.text}`);
  return `${match[1]}${match[2]}`;
}
