import { Router } from 'express';
import { buildOpenApiDocument } from '../src/http/openapi';
import type { RouteDoc } from '../src/http/route-doc';
import { ADMIN_AUDIT_ROUTES } from './admin-audit';
import { ADMIN_DEVICES_ROUTES } from './admin-devices';
import { ME_ACCESS_PASS_ROUTES } from './me-access-pass';
import { ADMIN_GATES_ROUTES } from './admin-gates';
import { GATE_CHECK_ROUTES, GATE_ROUTES } from './gate-pages';
import { ME_APPROVALS_ROUTES } from './me-approvals';
import { ADMIN_DIRECTORY_ROUTES } from './admin-directory';
import { ADMIN_JOBS_ROUTES } from './admin-jobs';
import { ADMIN_ROLLOUTS_ROUTES } from './admin-rollouts';
import { ADMIN_SYNC_ROUTES } from './admin-sync';
import { ADMIN_TOKENS_ROUTES } from './admin-tokens';
import { ADMIN_POLICY_ROUTES } from './admin-policy';
import { ADMIN_USERS_ROUTES } from './admin-users';
import { API_ROUTES } from './api';
import { CONNECTOR_ROUTES } from './connector';
import { ME_ROUTES } from './me';

const OPENAPI_ROUTES: readonly RouteDoc[] = [
  {
    method: 'get',
    path: '/api/v1/openapi.json',
    auth: 'none',
    summary: 'This document: the OpenAPI 3.1 description of /api/v1 and /gate/v1',
    responses: { 200: 'the document' },
  },
];

/** Every documented route of /api/v1 and /gate/v1: a router's descriptions join this list when it is added. */
export const ALL_ROUTES: readonly RouteDoc[] = [
  ...OPENAPI_ROUTES,
  ...API_ROUTES,
  ...ME_ROUTES,
  ...ADMIN_POLICY_ROUTES,
  ...ADMIN_USERS_ROUTES,
  ...ADMIN_AUDIT_ROUTES,
  ...CONNECTOR_ROUTES,
  ...ADMIN_DIRECTORY_ROUTES,
  ...ADMIN_JOBS_ROUTES,
  ...ADMIN_ROLLOUTS_ROUTES,
  ...ADMIN_SYNC_ROUTES,
  ...ADMIN_TOKENS_ROUTES,
  ...ADMIN_GATES_ROUTES,
  ...ME_APPROVALS_ROUTES,
  ...GATE_ROUTES,
  ...GATE_CHECK_ROUTES,
  ...ADMIN_DEVICES_ROUTES,
  ...ME_ACCESS_PASS_ROUTES,
];

/**
 * `GET /api/v1/openapi.json`, without a token: the API's description is no secret, and tools that read it
 * (a client generator, a proxy) have no Connect JWT. Built once at start.
 */
export function openApiRouter(version: string): Router {
  const document = JSON.stringify(buildOpenApiDocument(ALL_ROUTES, version));
  const router = Router();
  router.get('/api/v1/openapi.json', (_req, res) => {
    res.type('application/json').send(document);
  });
  return router;
}
