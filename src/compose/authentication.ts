import type { RequestHandler } from 'express';
import { authenticateApi, authenticatePage, requireJiraAdmin } from '../adapters/connect/authenticate';
import type { ConnectJwtVerifier } from '../adapters/connect/connect-jwt-verifier';
import type { AdminCheck } from '../domain/tenancy/admin-check';

/**
 * The edge's authentication, built once here and handed to the routers as plain middlewares, so
 * that routes/ never reach the Connect JWT verifier (or any adapter) themselves.
 */
export interface Authentication {
  /** `/api/v1/**`: the Connect JWT in `Authorization: JWT …` (context tokens allowed). */
  api: RequestHandler;
  /** Pages framed by Jira: the page JWT in `?jwt=`, with this request's own qsh. */
  page: RequestHandler;
  /** After `api` or `page`: only holders of Jira's global ADMINISTER permission pass. */
  jiraAdmin: RequestHandler;
}

export function composeAuthentication(verifier: ConnectJwtVerifier, adminCheck: AdminCheck): Authentication {
  return { api: authenticateApi(verifier), page: authenticatePage(verifier), jiraAdmin: requireJiraAdmin(adminCheck) };
}
