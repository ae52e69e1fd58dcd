import type { Clock } from '../ports/clock';
import type { Random } from '../ports/random';

/** 16 bytes: 128 bits, so two nonces never collide even across app instances sharing one consumer key. */
const NONCE_BYTES = 16;

/**
 * A nonce from the injected CSPRNG, as 32 hex characters (unreserved, so it encodes to itself). The server
 * refuses a nonce it saw before with the same timestamp and token (`nonce_used`), so every attempt of a
 * request, retries included, gets a new one.
 * @see RFC 5849 §3.3
 */
export function generateNonce(random: Random): string {
  return random.bytes(NONCE_BYTES).toString('hex');
}

/**
 * Whole seconds since the Unix epoch, from the injected clock. Jira refuses timestamps more than about five
 * minutes away from its own clock (`timestamp_refused`), so a skewed server clock shows up here.
 * @see RFC 5849 §3.3
 */
export function generateTimestamp(clock: Clock): string {
  return String(Math.floor(clock.now().getTime() / 1000));
}
