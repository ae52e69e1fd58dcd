import { InvariantError, isTwofoldError, type TwofoldError } from '../../domain/errors';
import { statusOf } from '../../http/error-status';
import type { Logger } from './logger';

/**
 * An expected failure of someone else's: Jira or the Connect host unreachable, timing out, or answering
 * what we did not ask for (a 502 or 503 code). The site has to act on it, not us: a warning with the
 * reason, no stack.
 */
export function isUpstreamFailure(error: unknown): boolean {
  return isTwofoldError(error) && statusOf(error.code) >= 502;
}

/** The reason of an upstream failure, for the log: its code and what its details say (no stack, no secret). */
export function upstreamReason(error: TwofoldError): Record<string, unknown> {
  const details = (error.details ?? {}) as Record<string, unknown>;
  const reason: Record<string, unknown> = { errorCode: error.code };
  for (const name of ['reason', 'host', 'status', 'path', 'problem'] as const) {
    if (details[name] !== undefined && details[name] !== null) reason[name] = details[name];
  }
  const lowLevel = (error.cause as { message?: unknown } | undefined)?.message;
  if (typeof lowLevel === 'string' && reason.reason === undefined) reason.reason = lowLevel;
  return reason;
}

/**
 * Logs a failure at the level it deserves: an expected upstream failure as a warning with its reason;
 * anything else (a bug, corrupt data, an error we did not foresee) at error level with its stack.
 */
export function logFailure(logger: Logger, error: unknown, message: string, fields: Record<string, unknown> = {}): void {
  if (isTwofoldError(error) && isUpstreamFailure(error)) {
    logger.warn({ ...fields, ...upstreamReason(error) }, message);
  } else {
    logger.error({ ...fields, err: error, ...(error instanceof InvariantError && error.facts !== undefined ? { facts: error.facts } : {}) }, message);
  }
}
