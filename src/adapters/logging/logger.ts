import pino, { type Logger } from 'pino';
import { redactPaths, scrubText } from './redaction';

export type { Logger } from 'pino';

/** The app's one logger: JSON lines, secrets redacted by field name, JWTs scrubbed from URLs and messages. */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'twofold' },
      redact: { paths: redactPaths(), censor: '[REDACTED]' },
      // Messages are free text and may quote a URL with ?jwt= or an inspected object: scrub them too.
      hooks: {
        logMethod(args, method) {
          method.apply(this, args.map((arg) => (typeof arg === 'string' ? scrubText(arg) : arg)) as Parameters<typeof method>);
        },
      },
      serializers: {
        err: (error: unknown) => pino.stdSerializers.err(error as Error),
        url: (url: unknown) => (typeof url === 'string' ? scrubText(url) : url),
      },
    },
    destination,
  );
}
