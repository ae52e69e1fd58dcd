import type { Random } from '../../domain/ports/random';
import type { UnreachableError } from '../../domain/ports/http-transport';

/**
 * When to try again. Only for failures that another attempt can cure: no answer at all, 429 and 5xx.
 * Never for 401/403: Jira counts failed logins and locks the account (or demands a CAPTCHA) after a few,
 * so a retried bad password turns one failure into a lockout. Retry-After is read by the domain's one
 * parser (src/domain/http/retry-after.ts).
 */
export interface RetryPolicy {
  /** Attempts in total, the first included. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** A Retry-After longer than this is not waited for: the call fails at once and reports it. */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 3, baseDelayMs: 250, maxDelayMs: 5_000, maxRetryAfterMs: 30_000 };

export function isRetryableStatus(status: number): boolean {
  return status === 429 || (status >= 500 && status <= 599);
}

/** Network failures worth another attempt; a certificate or size problem will not change in a second. */
export function isRetryableUnreachable(error: UnreachableError): boolean {
  return error.reason !== 'tls' && error.reason !== 'too_large';
}

/**
 * Exponential backoff with "equal jitter": half the exponential step is fixed, half random, so retries from
 * several instances spread out without any of them retrying at once.
 */
export function backoffDelayMs(policy: RetryPolicy, attempt: number, random: Random): number {
  const step = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  const fraction = random.bytes(4).readUInt32BE(0) / 0x1_0000_0000;
  return Math.round(step / 2 + (step / 2) * fraction);
}
