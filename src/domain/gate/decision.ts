import { inSafeZone } from '../policy/ip-safe-zones';
import type { TenantPolicy } from '../policy/policy';
import { isOpenPath } from './request-kind';

/**
 * The forward-auth gate's answer for one request to the Data Center site, as nginx's `auth_request`
 * reads it: `204` lets the request through, `401` sends a browser to the verify page (or tells a
 * Basic-auth client that its approval is pending), `403` refuses, `503` fails closed when Data Center
 * cannot say who the user is. The reason goes to nginx in `X-Twofold-Reason`.
 *
 * Pure: every fact is looked up before (gate-check.ts does it, in the order that asks the network
 * least), so the table below is the whole policy and the unit tests run it with a frozen clock.
 */
export type GateReason =
  | 'bad_gate_key'
  | 'safe_zone'
  | 'open_path'
  | 'not_required'
  | 'verified'
  | 'grace'
  | 'no_session'
  | 'verification_required'
  | 'enrollment_required'
  | 'approval_pending'
  | 'basic_blocked'
  | 'not_allowed'
  /** Data Center could not be asked who the user is (503, fail closed). */
  | 'unavailable';

export interface GateDecision {
  readonly status: 204 | 401 | 403 | 503;
  readonly reason: GateReason;
}

const PASS = (reason: GateReason): GateDecision => ({ status: 204, reason });
const HOLD = (reason: GateReason): GateDecision => ({ status: 401, reason });
const REFUSE = (reason: GateReason): GateDecision => ({ status: 403, reason });

/** What is known of the request before anyone asks who the user is. */
export interface GateRequest {
  /** Whether `X-Twofold-Gate-Key` named a gate that exists and is not revoked. */
  readonly gateKeyValid: boolean;
  /** The client's address (client-address.ts: `X-Forwarded-For` believed only from trusted proxies). */
  readonly clientAddress: string;
  /** nginx's `X-Original-URI`: path and query. */
  readonly uri: string;
}

/**
 * The decisions that need no user: a bad gate key, an open path, a safe zone. Null: the user decides.
 * A bad key is first, so that nothing (not even "open path") is told to whoever holds no key.
 */
export function decideBeforeIdentity(request: GateRequest, policy: TenantPolicy | null): GateDecision | null {
  if (!request.gateKeyValid || policy === null) return HOLD('bad_gate_key');
  if (isOpenPath(request.uri)) return PASS('open_path');
  if (inSafeZone(policy.ipSafeZones, request.clientAddress)) return PASS('safe_zone');
  return null;
}

/** A Basic-auth client's standing with its user, for this client address. */
export type ApprovalStanding =
  /** Approved, and this request (a read or a write) is within its grace period. */
  | 'in_grace'
  /** Waiting for the user (or just created for this request). */
  | 'pending'
  /** The user said no to this client recently. */
  | 'denied';

/** Who the user is, and what Twofold knows of them. */
export type GateUser =
  /** No Data Center session (no cookie, or Data Center says it is not logged in). */
  | { readonly kind: 'anonymous' }
  /** Data Center could not be asked, or did not answer sensibly. */
  | { readonly kind: 'unavailable' }
  /** A credential the gate cannot tie to a user (a bearer token), or a user Data Center reports disabled. */
  | { readonly kind: 'refused' }
  | { readonly kind: 'browser'; readonly required: boolean; readonly enrolled: boolean; readonly verified: boolean }
  | { readonly kind: 'basic'; readonly required: boolean; readonly approval: ApprovalStanding | null };

/**
 * The decision once the user is known. `approval: null` for a Basic client means none was looked up
 * yet: the caller creates one when this answers `approval_pending`, so the decision never writes.
 */
export function decideForUser(user: GateUser, policy: TenantPolicy): GateDecision {
  switch (user.kind) {
    case 'anonymous':
      // Data Center's own login and anonymous permissions apply: the gate asks for the second factor
      // of authenticated users only.
      return PASS('no_session');
    case 'unavailable':
      return { status: 503, reason: 'unavailable' };
    case 'refused':
      return REFUSE('not_allowed');
    case 'browser':
      if (!user.required) return PASS('not_required');
      if (user.verified) return PASS('verified');
      return HOLD(user.enrolled ? 'verification_required' : 'enrollment_required');
    case 'basic':
      if (!user.required) return PASS('not_required');
      if (policy.gate.basicAuth === 'block') return REFUSE('basic_blocked');
      if (user.approval === 'in_grace') return PASS('grace');
      if (user.approval === 'denied') return REFUSE('not_allowed');
      return HOLD('approval_pending');
  }
}

/** The whole table in one call (for tests and readers): the two steps above, in order. */
export function decide(request: GateRequest, policy: TenantPolicy | null, user: GateUser): GateDecision {
  return decideBeforeIdentity(request, policy) ?? decideForUser(user, policy as TenantPolicy);
}
