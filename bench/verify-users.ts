import { createHash } from 'node:crypto';

/** Shared by bench/verify.ts and its server: who the bench users are and what their seeds are. */

/** The sandbox's Jira admin (src/sandbox/fixtures.ts), not enrolled, so admin writes need no step-up. */
export const ALICE_ADMIN_ID = '5b10a2844c20165700ede21a';

/** accountIds shaped like Atlassian's; the sandbox host does not need to know them for verification. */
export function benchUserId(index: number): string {
  return `bench:${String(index).padStart(8, '0')}`;
}

/** A deterministic 20-byte seed per bench user (SHA-1 of its id), so that both processes know it. */
export function benchSecret(index: number): Buffer {
  return createHash('sha1').update(`twofold-bench-seed-${index}`).digest();
}

/**
 * The lockout raised to its ceiling so that a wrong code is a counted failure and not a 429: each
 * bench user in the wrong-code pool stays far below 100 failures, and the tenant below 1,000,000.
 */
export const BENCH_TENANT_POLICY = { lockout: { maxFailures: 100, windowMinutes: 15, tenantMaxFailures: 1_000_000 } };
