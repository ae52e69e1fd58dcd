import { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import { principalOf } from '../src/http/principal';
import { asyncRoute } from '../src/http/async-route';
import { parseInput } from '../src/http/validate';
import type { ConnectorAuthorization } from '../src/domain/connector/connector-authorization';
import type { ConnectorService } from '../src/domain/connector/connector-service';
import type { RouteDoc } from '../src/http/route-doc';

export interface ConnectorRouterDeps {
  connector: ConnectorService;
  authorization: ConnectorAuthorization;
  /** A current 2FA session once the admin is enrolled (403 verification_required), on every write. */
  requireVerification: RequestHandler;
}

const optionalText = (max: number) =>
  z
    .string()
    .max(max)
    .nullish()
    .transform((value) => value ?? undefined);

/** Unknown fields are ignored, so that a script may PUT back what it got from GET. */
const settingsSchema = z.object({
  baseUrl: z.string().trim().min(1, "enter Jira's base URL").max(1024),
  authType: z.enum(['oauth1', 'basic']),
  consumerKey: optionalText(255),
  username: optionalText(255),
  secret: z
    .string()
    .min(1, "enter the user's password")
    .max(4096)
    .nullish()
    .transform((value) => value ?? undefined),
});

const authorizeSchema = z.object({ callback: z.literal('oob').optional() }).optional();
const verifierSchema = z.object({ verifier: z.string().trim().min(1, 'paste the verification code Jira showed').max(512) });

/** The routes below, described for the OpenAPI document (src/http/openapi.ts). */
export const CONNECTOR_ROUTES: readonly RouteDoc[] = [
  {
    method: 'get',
    path: '/api/v1/admin/connector',
    auth: 'connectJwtAdmin',
    summary: 'The Jira Server/Data Center connector: base URL, auth type, consumer key, public key, status',
    responses: { 200: '{baseUrl, authType, consumerKey, publicKeyPem, status, tokenExpiresAt, ...}' },
  },
  {
    method: 'put',
    path: '/api/v1/admin/connector',
    auth: 'connectJwtAdmin',
    summary: 'Saves the connector settings',
    body: settingsSchema,
    responses: { 200: 'the connector' },
    errors: ['invalid_request', 'invalid_consumer_key', 'insecure_url', 'verification_required'],
  },
  {
    method: 'post',
    path: '/api/v1/admin/connector/keys',
    auth: 'connectJwtAdmin',
    summary: 'Generates a new RSA key pair (the old token no longer applies)',
    responses: { 201: '{publicKeyPem}' },
    errors: ['verification_required'],
  },
  {
    method: 'post',
    path: '/api/v1/admin/connector/authorize',
    auth: 'connectJwtAdmin',
    summary: 'OAuth 1.0a step 1: obtains a request token and answers where to send the browser',
    body: authorizeSchema,
    responses: { 200: '{authorizeUrl}' },
    errors: [
      'invalid_request',
      'connector_not_configured',
      'verification_required',
      'token_rejected',
      'signature_invalid',
      'consumer_key_unknown',
      'unreachable',
      'upstream_error',
    ],
  },
  {
    method: 'post',
    path: '/api/v1/admin/connector/verifier',
    auth: 'connectJwtAdmin',
    summary: 'OAuth 1.0a step 3 for an out-of-band authorization: the verification code Jira showed',
    body: verifierSchema,
    responses: { 200: 'the connector' },
    errors: ['invalid_request', 'authorization_state_invalid', 'verification_required', 'token_rejected', 'unreachable', 'upstream_error'],
  },
  {
    method: 'post',
    path: '/api/v1/admin/connector/test',
    auth: 'connectJwtAdmin',
    summary: 'Tests the connection: whom Jira says Twofold acts as',
    responses: { 200: '{ok: true, user: {name, displayName}}' },
    errors: ['connector_not_configured', 'token_rejected', 'signature_invalid', 'consumer_key_unknown', 'timestamp_refused', 'unauthorized', 'unreachable'],
  },
  {
    method: 'delete',
    path: '/api/v1/admin/connector/token',
    auth: 'connectJwtAdmin',
    summary: 'Forgets the access token (or the saved password)',
    responses: { 204: 'forgotten' },
    errors: ['verification_required'],
  },
];

/**
 * `/api/v1/admin/connector/**` (mounted below /api/v1/admin: the caller is a Jira admin). See CONTRACT.md
 * "Admin: the Jira Server/Data Center connector". Answers never carry a private key, token, token secret
 * or password.
 */
export function connectorRouter(deps: ConnectorRouterDeps): Router {
  const router = Router();
  const write = deps.requireVerification;

  router.get(
    '/connector',
    asyncRoute(async (_req, res) => {
      res.setHeader('Cache-Control', 'no-store');
      res.json(await deps.connector.view(principalOf(res).tenant));
    }),
  );

  router.put(
    '/connector',
    write,
    asyncRoute(async (req, res) => {
      const { tenant, accountId } = principalOf(res);
      res.json(await deps.connector.configure(tenant, accountId, parseInput(settingsSchema, req.body)));
    }),
  );

  router.post(
    '/connector/keys',
    write,
    asyncRoute(async (_req, res) => {
      const { tenant, accountId } = principalOf(res);
      res.status(201).json(await deps.connector.generateKeys(tenant, accountId));
    }),
  );

  router.post(
    '/connector/authorize',
    write,
    asyncRoute(async (req, res) => {
      const { tenant, accountId } = principalOf(res);
      const body = parseInput(authorizeSchema, req.body);
      res.json(await deps.authorization.start(tenant.clientKey, accountId, body?.callback === 'oob' ? 'oob' : 'callback'));
    }),
  );

  router.post(
    '/connector/verifier',
    write,
    asyncRoute(async (req, res) => {
      const { tenant, accountId } = principalOf(res);
      const { verifier } = parseInput(verifierSchema, req.body);
      await deps.authorization.submitVerifier(tenant.clientKey, accountId, verifier);
      res.json(await deps.connector.view(tenant));
    }),
  );

  // Not a change of settings: no step-up, so that any admin can see whether the connector works.
  router.post(
    '/connector/test',
    asyncRoute(async (_req, res) => {
      const { tenant, accountId } = principalOf(res);
      const { user } = await deps.connector.test(tenant.clientKey, accountId);
      res.json({ ok: true, user: { name: user.name, displayName: user.displayName, key: user.key, emailAddress: user.emailAddress } });
    }),
  );

  router.delete(
    '/connector/token',
    write,
    asyncRoute(async (_req, res) => {
      const { tenant, accountId } = principalOf(res);
      await deps.connector.forgetToken(tenant, accountId);
      res.status(204).end();
    }),
  );

  return router;
}
