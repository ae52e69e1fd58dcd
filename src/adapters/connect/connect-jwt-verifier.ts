import * as jwt from 'atlassian-jwt';
import { TwofoldError } from '../../domain/errors';
import type { Clock } from '../../domain/ports/clock';
import type { Principal } from '../../domain/tenancy/principal';
import type { Tenant } from '../../domain/tenancy/tenant';
import type { TenantCache } from '../../domain/tenancy/tenant-cache';
import { CONTEXT_QSH, queryStringHash } from './query-string-hash';

export interface VerifiableRequest {
  method: string;
  /** Path and query as received by the app. */
  pathAndQuery: string;
}

export interface VerifyOptions {
  /** API calls accept the context token (`qsh: "context-qsh"`) that pages get from AP.context.getToken(). */
  allowContextQsh: boolean;
}

interface ConnectClaims {
  iss?: unknown;
  sub?: unknown;
  qsh?: unknown;
  exp?: unknown;
  iat?: unknown;
  nbf?: unknown;
  context?: { user?: { accountId?: unknown } };
}

/** Tolerated clock difference between Jira and the app, in seconds. */
const CLOCK_SKEW_SECONDS = 30;

/**
 * Verifies the HS256 JWTs a Jira tenant sends: signature with the tenant's sharedSecret, expiry,
 * the query string hash, and that the tenant is installed. Tenants come from memory (TenantCache);
 * nothing here touches the database on the hot path.
 * @see https://developer.atlassian.com/cloud/jira/platform/understanding-jwt-for-connect-apps/
 */
export class ConnectJwtVerifier {
  constructor(
    private readonly tenants: TenantCache,
    private readonly clock: Clock,
    private readonly appBaseUrl: string,
  ) {}

  async verify(token: string, request: VerifiableRequest, options: VerifyOptions): Promise<Principal> {
    const unverified = decodeUnverified(token);
    const clientKey = unverified.iss;
    if (typeof clientKey !== 'string' || clientKey.length === 0) throw refuse('unauthenticated', 'The token names no tenant (iss).');

    let tenant = await this.tenants.get(clientKey);
    if (!tenant) throw refuse('unknown_tenant', 'This Jira site has not installed Twofold, or has uninstalled it.');
    let claims = verifySignature(token, tenant);
    if (!claims) {
      // Perhaps a reinstall on another instance changed the secret: re-read once (rate limited).
      tenant = await this.tenants.refreshAfterMismatch(clientKey);
      claims = tenant ? verifySignature(token, tenant) : undefined;
      if (!tenant || !claims) throw refuse('unauthenticated', 'The token signature does not verify.');
    }

    this.checkTimes(claims);
    this.checkQsh(claims, request, options);
    const accountId = typeof claims.sub === 'string' && claims.sub ? claims.sub : claims.context?.user?.accountId;
    if (typeof accountId !== 'string' || accountId.length === 0) throw refuse('unauthenticated', 'The token names no user (sub).');
    return { tenant, accountId };
  }

  private checkTimes(claims: ConnectClaims): void {
    const now = Math.floor(this.clock.now().getTime() / 1000);
    if (typeof claims.exp !== 'number') throw refuse('unauthenticated', 'The token has no expiry (exp).');
    if (now >= claims.exp + CLOCK_SKEW_SECONDS) throw refuse('token_expired', 'The token has expired. Reload the page.');
    if (typeof claims.nbf === 'number' && now + CLOCK_SKEW_SECONDS < claims.nbf) throw refuse('unauthenticated', 'The token is not valid yet.');
    if (typeof claims.iat === 'number' && now + CLOCK_SKEW_SECONDS < claims.iat) throw refuse('unauthenticated', 'The token was issued in the future.');
  }

  private checkQsh(claims: ConnectClaims, request: VerifiableRequest, options: VerifyOptions): void {
    if (typeof claims.qsh !== 'string') throw refuse('unauthenticated', 'The token has no query string hash (qsh).');
    if (claims.qsh === CONTEXT_QSH) {
      if (options.allowContextQsh) return;
      throw refuse('unauthenticated', 'A context token cannot open a page; open it from Jira.');
    }
    const expected = queryStringHash({ method: request.method, pathAndQuery: request.pathAndQuery, baseUrl: this.appBaseUrl });
    if (claims.qsh !== expected) throw refuse('unauthenticated', 'The token was issued for another request (qsh mismatch).');
  }
}

function decodeUnverified(token: string): ConnectClaims {
  try {
    if (jwt.getAlgorithm(token) !== 'HS256') throw new Error('not HS256');
    return jwt.decodeSymmetric(token, '', jwt.SymmetricAlgorithm.HS256, true) as ConnectClaims;
  } catch (error) {
    throw refuse('unauthenticated', 'The Authorization header does not hold a valid HS256 JWT.', error);
  }
}

function verifySignature(token: string, tenant: Tenant): ConnectClaims | undefined {
  try {
    return jwt.decodeSymmetric(token, tenant.sharedSecret, jwt.SymmetricAlgorithm.HS256, false) as ConnectClaims;
  } catch {
    return undefined;
  }
}

function refuse(code: 'unauthenticated' | 'token_expired' | 'unknown_tenant', message: string, cause?: unknown): TwofoldError {
  return new TwofoldError(code, message, cause === undefined ? {} : { cause });
}
