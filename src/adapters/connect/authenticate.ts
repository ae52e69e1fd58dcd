import type { Request, RequestHandler } from 'express';
import { TwofoldError } from '../../domain/errors';
import type { AdminCheck } from '../../domain/tenancy/admin-check';
import { asyncRoute } from '../../http/async-route';
import { principalOf, setPrincipal } from '../../http/principal';
import type { ConnectJwtVerifier, VerifiableRequest } from './connect-jwt-verifier';
import type { Principal } from '../../domain/tenancy/principal';

/**
 * `/api/v1/**`: `Authorization: JWT <token>`, a context token (`qsh: "context-qsh"`) as pages get
 * from AP.context.getToken(), or a token with this request's own qsh.
 */
export function authenticateApi(verifier: ConnectJwtVerifier): RequestHandler {
  const check = apiTokenCheck(verifier);
  return asyncRoute(async (req, res, next) => {
    const header = req.headers.authorization;
    if (!header || !header.startsWith('JWT ')) {
      throw new TwofoldError('unauthenticated', 'Send the Connect context token as `Authorization: JWT <token>`.');
    }
    setPrincipal(res, await check(header.slice(4).trim(), requestOf(req)));
    next();
  });
}

/** The token check of `/api/v1/**` above, for a listener that answers before Express (src/http/api-lane.ts). */
export function apiTokenCheck(verifier: ConnectJwtVerifier): (token: string, request: VerifiableRequest) => Promise<Principal> {
  return (token, request) => verifier.verify(token, request, { allowContextQsh: true });
}

/** Pages framed by Jira: the page JWT arrives as `?jwt=` and must carry this request's own qsh. */
export function authenticatePage(verifier: ConnectJwtVerifier): RequestHandler {
  return asyncRoute(async (req, res, next) => {
    const token = typeof req.query.jwt === 'string' ? req.query.jwt : undefined;
    if (!token) throw new TwofoldError('unauthenticated', 'Open this page from Jira: it needs the token Jira adds to its address.');
    setPrincipal(res, await verifier.verify(token, requestOf(req), { allowContextQsh: false }));
    next();
  });
}

/** Admin areas: the caller must hold Jira's global ADMINISTER permission (asked of the host, cached). */
export function requireJiraAdmin(adminCheck: AdminCheck): RequestHandler {
  return asyncRoute(async (_req, res, next) => {
    const { tenant, accountId } = principalOf(res);
    if (!(await adminCheck.isAdmin(tenant, accountId))) {
      throw new TwofoldError('not_admin', 'Only Jira administrators can do this. Ask a Jira admin for help.');
    }
    next();
  });
}

function requestOf(req: Request): { method: string; pathAndQuery: string } {
  return { method: req.method, pathAndQuery: req.originalUrl };
}
