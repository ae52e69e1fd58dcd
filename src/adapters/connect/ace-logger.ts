import { inspect } from 'node:util';
import type { Logger } from '../logging/logger';
import { scrubText } from '../logging/redaction';

/**
 * The logger handed to ACE. ACE logs free text and util.inspect() dumps (outside production it even
 * logs saved tenant details), so every line is scrubbed of JWTs and secret-looking fields first.
 */
export function aceLogger(logger: Logger): Console {
  const child = logger.child({ component: 'ace' });
  const format = (args: unknown[]) => scrubText(args.map((arg) => (typeof arg === 'string' ? arg : inspect(arg, { depth: 4 }))).join(' '));
  const bridge = {
    info: (...args: unknown[]) => child.info(format(args)),
    warn: (...args: unknown[]) => child.warn(format(args)),
    error: (...args: unknown[]) => child.error(format(args)),
    log: (...args: unknown[]) => child.info(format(args)),
    debug: (...args: unknown[]) => child.debug(format(args)),
  };
  return bridge as unknown as Console; // ACE calls only info, warn and error
}
