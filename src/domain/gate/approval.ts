import { randomUUID } from 'node:crypto';
import type { TenantPolicy } from '../policy/policy';
import type { ApprovalStanding } from './decision';
import type { ApprovalRepository } from './ports';
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
 * Where this request stands given the newest approval requests of its user and address (newest first):
 * within the grace of any approval (the grace of a read or of a write, as this request is), else held
 * by a recent denial, else waiting on a pending request; null when none counts (the caller then creates
 * a pending one). An approval's grace is not ended by a newer request: a push past the write grace
 * asks again, while reads go on within the longer read grace.
 */
export function approvalStanding(
  recent: readonly ApprovalRequest[],
  request: { method: string; uri: string },
  policy: TenantPolicy,
  now: Date,
): ApprovalStanding | null {
  const age = (since: Date) => now.getTime() - since.getTime();
  const graceMinutes = isReadRequest(request.method, request.uri) ? policy.gate.readGraceMinutes : policy.gate.writeGraceMinutes;
  const inGrace = recent.some((r) => r.state === 'approved' && r.decidedAt !== null && age(r.decidedAt) >= 0 && age(r.decidedAt) < graceMinutes * 60_000);
  if (inGrace) return 'in_grace';
  const newest = recent[0];
  if (newest === undefined) return null;
  if (newest.state === 'denied' && newest.decidedAt !== null && age(newest.decidedAt) < DENIAL_MINUTES * 60_000) return 'denied';
  if (recent.some((r) => r.state === 'pending' && age(r.createdAt) < APPROVAL_PENDING_MINUTES * 60_000)) return 'pending';
  return null;
}

/** A Basic-auth client's request, as the check sees it. */
export interface ClientRequest {
  readonly tenant: string;
  readonly accountId: string;
  readonly username: string;
  readonly clientAddress: string;
  readonly method: string;
  readonly uri: string;
  readonly userAgent: string;
}

/**
 * The standing of a client that must be approved: from its recent requests; when none counts, a new
 * pending request (client address, user agent, method and path, never the query) is created for the
 * user to answer, and the client waits.
 */
export async function holdOrPass(approvals: ApprovalRepository, now: Date, policy: TenantPolicy, client: ClientRequest): Promise<ApprovalStanding> {
  const standing = approvalStanding(await approvals.recent(client.tenant, client.accountId, client.clientAddress), client, policy, now);
  if (standing !== null) return standing;
  await approvals.create({
    id: randomUUID(),
    tenant: client.tenant,
    accountId: client.accountId,
    username: client.username,
    clientAddress: client.clientAddress,
    userAgent: client.userAgent.slice(0, 512),
    method: client.method.toUpperCase().slice(0, 16),
    path: client.uri.split('?')[0]?.slice(0, 1024) ?? '/',
    state: 'pending',
    createdAt: now,
    decidedAt: null,
  });
  return 'pending';
}
