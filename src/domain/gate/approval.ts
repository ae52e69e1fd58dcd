import type { TenantPolicy } from '../policy/policy';
import type { ApprovalStanding } from './decision';
import { isReadRequest } from './request-kind';

/**
 * A Basic-auth client's approval request (SecSign's "approve Git and REST clients"): the first
 * request of a user who must use 2FA from a client address creates one; the user approves or denies
 * it on Twofold's page; an approval lets that user's requests from that address through for the
 * policy's grace period, longer for reads than for pushes when the admin says so.
 */
export interface ApprovalRequest {
  readonly id: string;
  readonly tenant: string;
  readonly accountId: string;
  readonly username: string;
  readonly clientAddress: string;
  readonly userAgent: string;
  readonly method: string;
  readonly path: string;
  readonly state: 'pending' | 'approved' | 'denied';
  readonly createdAt: Date;
  readonly decidedAt: Date | null;
}

/** How long a request waits for the user before a new one is made. */
export const APPROVAL_PENDING_MINUTES = 15;
/** How long a denial keeps refusing the client before it may ask again. */
export const DENIAL_MINUTES = 15;

/**
 * Where this request stands given the newest approval request of its user and address (null when
 * none, or none that still counts: then the caller creates a pending one).
 */
export function approvalStanding(
  latest: ApprovalRequest | null,
  request: { method: string; uri: string },
  policy: TenantPolicy,
  now: Date,
): ApprovalStanding | null {
  if (latest === null) return null;
  const age = (since: Date) => now.getTime() - since.getTime();
  switch (latest.state) {
    case 'pending':
      return age(latest.createdAt) < APPROVAL_PENDING_MINUTES * 60_000 ? 'pending' : null;
    case 'denied':
      return latest.decidedAt !== null && age(latest.decidedAt) < DENIAL_MINUTES * 60_000 ? 'denied' : null;
    case 'approved': {
      if (latest.decidedAt === null) return null;
      const minutes = isReadRequest(request.method, request.uri) ? policy.gate.readGraceMinutes : policy.gate.writeGraceMinutes;
      const elapsed = age(latest.decidedAt);
      return elapsed >= 0 && elapsed < minutes * 60_000 ? 'in_grace' : null;
    }
  }
}
