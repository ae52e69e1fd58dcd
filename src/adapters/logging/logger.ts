import pino, { type Logger } from 'pino';
import pretty from 'pino-pretty';
import type { Mode } from '../../config/config';
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

/**
 * The logger for a mode: readable lines in development (pino-pretty, in-process, so that they come in
 * order with the process's other output), JSON lines elsewhere for log collectors. Redaction happens in
 * pino before either output sees a line, so it is the same in every mode.
 */
export function createModeLogger(mode: Mode, level: string, output: NodeJS.WritableStream = process.stdout): Logger {
  if (mode !== 'development') return createLogger(level, output === process.stdout ? undefined : output);
  return createLogger(
    level,
    pretty({
      destination: output,
      colorize: output === process.stdout && process.stdout.isTTY === true,
      translateTime: 'SYS:HH:MM:ss.l',
      ignore: 'pid,hostname,service',
      sync: true,
    }),
  );
}
