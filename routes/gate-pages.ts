import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { TwofoldError } from '../src/domain/errors';
import type { GateSite } from '../src/domain/gate/gate-check';
import { GATE_COOKIE } from '../src/domain/gate/gate-cookie';
import type { GateCookie, GateSignIn } from '../src/domain/gate/gate-sign-in';
import { safeReturnPath } from '../src/domain/gate/return-path';
import { asyncRoute } from '../src/http/async-route';
import type { ClientRateLimiter } from '../src/domain/http/client-rate-limit';
import { clientAddress } from '../src/domain/gate/client-address';
import { GATE_POST_LIMIT } from '../src/http/unauthenticated-limits';
import { parseInput } from '../src/http/validate';
import type { RouteDoc } from '../src/http/route-doc';
import { presentPendingEnrollment } from '../src/http/present-enrollment';
import { rateLimited } from '../src/http/rate-limit-by-client';

export interface GatePagesRouterDeps {
  signIn: GateSignIn;
  /** The site a request's `X-Twofold-Gate-Key` (added by nginx) names; null for none. */
  siteOf(gateKey: string | undefined): Promise<GateSite | null>;
  qrPng(text: string): Promise<string>;
  /** The per-client-address limit of the gate's POSTs (GATE_POST_LIMIT), by the address the gate trusts. */
  rateLimiter: ClientRateLimiter;
  /** Files the page loads through the `/twofold/` proxy (its script and style sheet). */
  assets: Record<string, { file: string; type: string }>;
}

// The field names `code`, `backupCode` and `emailCode` are redacted by the logger wherever they appear.
const rdField = { rd: z.string().max(2048).optional() };
const verifyBody = z.union([
  z.object({ code: z.string().min(1).max(64), ...rdField }).strict(),
  z.object({ backupCode: z.string().min(1).max(64), ...rdField }).strict(),
  z.object({ emailCode: z.string().min(1).max(64), ...rdField }).strict(),
]);
const emptyBody = z.object({}).strict();
const challengeParam = z.object({ challengeId: z.string().regex(/^[0-9a-f]{32}$/, 'is not a challenge id') });
const rdQuery = z.object({ rd: z.string().max(2048).optional() });
const confirmBody = z.object({ code: z.string().min(1).max(64), ...rdField }).strict();
const decisionBody = z.object({ decision: z.enum(['approve', 'deny']) }).strict();
const ApprovalId = z.string().uuid();

const gateErrors = ['invalid_request', 'bad_origin', 'rate_limited'] as const;

/** The routes below and the check, described for the OpenAPI document (src/http/openapi.ts). */
export const GATE_ROUTES: readonly RouteDoc[] = [
  {
    method: 'get',
    path: '/gate/v1/verify',
    auth: 'gateKey',
    page: true,
    summary: "The standalone verify page on the Data Center host (code, backup code, email code, access pass), in the tenant's branding",
    query: rdQuery,
    responses: { 200: 'the page' },
  },
  {
    method: 'post',
    path: '/gate/v1/verify',
    auth: 'gateKey',
    summary: 'Verifies a code, backup code or email code with the Data Center session cookie; sets the twofold_gate cookie',
    body: verifyBody,
    responses: { 200: '{redirect, verifiedUntil, method}' },
    errors: [...gateErrors, 'invalid_code', 'code_reused', 'locked_out', 'not_enrolled', 'method_disabled'],
  },
  {
    method: 'post',
    path: '/gate/v1/email-code',
    auth: 'gateKey',
    summary: "Emails a code to the Data Center user's address (as Data Center shows it); verify it with {emailCode}",
    body: emptyBody,
    responses: { 202: '{sentTo, expiresAt}' },
    errors: [...gateErrors, 'method_disabled', 'mail_not_configured', 'email_hidden', 'too_many_emails', 'service_unavailable'],
  },
  {
    method: 'post',
    path: '/gate/v1/access-pass',
    auth: 'gateKey',
    summary: "Asks the Data Center user's paired phones to approve: a 2-minute challenge and the symbol to pick on the phone",
    body: emptyBody,
    responses: { 201: '{challengeId, symbol: {id, name} | null, expiresAt}' },
    errors: [...gateErrors, 'method_disabled', 'no_device'],
  },
  {
    method: 'get',
    path: '/gate/v1/access-pass/{challengeId}',
    auth: 'gateKey',
    summary: "A challenge's state; once approved, the first answer sets the twofold_gate cookie and gives {redirect}",
    params: challengeParam,
    query: rdQuery,
    responses: { 200: '{state: "pending" | "approved" | "denied" | "expired", redirect?, verifiedUntil?, method?}' },
    errors: ['invalid_request', 'not_found', 'locked_out', 'not_enrolled'],
  },
  {
    method: 'post',
    path: '/gate/v1/enroll',
    auth: 'gateKey',
    summary: 'Starts a TOTP set-up for a Data Center user who must use 2FA and has none (onboarding)',
    responses: { 201: '{secretBase32, secretHex, otpauthUri, qrPng, algorithm, digits, period}' },
    errors: [...gateErrors, 'forbidden'],
  },
  {
    method: 'post',
    path: '/gate/v1/enroll/confirm',
    auth: 'gateKey',
    summary: 'Activates the set-up with a code; sets the twofold_gate cookie',
    body: confirmBody,
    responses: { 200: '{backupCodes, verifiedUntil, redirect}' },
    errors: [...gateErrors, 'invalid_code', 'no_pending_enrollment', 'locked_out'],
  },
  {
    method: 'get',
    path: '/gate/v1/approvals/{id}',
    auth: 'gateKey',
    summary: "A Basic-auth client's approval request: its state",
    params: z.object({ id: ApprovalId }),
    responses: { 200: '{id, state, createdAt, decidedAt}' },
    errors: ['invalid_request', 'not_found'],
  },
  {
    method: 'post',
    path: '/gate/v1/approvals/{id}',
    auth: 'gateKey',
    summary: "Answers one's own client's approval request on the gate's page",
    params: z.object({ id: ApprovalId }),
    body: decisionBody,
    responses: { 200: '{id, state, decidedAt}' },
    errors: [...gateErrors, 'not_found', 'approval_closed', 'verification_required'],
  },
  { method: 'get', path: '/gate/v1/assets/gate.js', auth: 'none', summary: "The gate page's script", responses: { 200: 'JavaScript' } },
  {
    method: 'get',
    path: '/gate/v1/assets/access-pass-symbols.js',
    auth: 'none',
    summary: "The access pass's symbols (SVG) for the gate page",
    responses: { 200: 'JavaScript' },
  },
  { method: 'get', path: '/gate/v1/assets/twofold.css', auth: 'none', summary: "The gate page's style sheet", responses: { 200: 'CSS' } },
];

/**
 * `GET /gate/v1/check`, answered by the Node request listener before Express (src/compose/gate.ts), so
 * that nginx's `auth_request` on every request costs no Express or ACE middleware.
 */
export const GATE_CHECK_ROUTES: readonly RouteDoc[] = [
  {
    method: 'get',
    path: '/gate/v1/check',
    auth: 'gateKey',
    summary: "nginx's auth_request: may this request to Data Center go through? The reason is in X-Twofold-Reason",
    description:
      'Headers from nginx: X-Twofold-Gate-Key, X-Original-URI, X-Original-Method, X-Forwarded-For, Cookie, Authorization. 204 let through; 401 verify (X-Twofold-Location) or approval pending; 403 refused; 503 when Data Center cannot be asked (fail closed).',
    responses: { 204: 'let through (safe_zone, open_path, not_required, verified, grace, no_session)' },
  },
];

/**
 * The gate's pages on the Data Center host: nginx proxies `{site}/twofold/…` to `/gate/v1/…` and adds
 * the gate key, so the pages, their script and the `twofold_gate` cookie all live on the Data Center's
 * own origin. The user is whoever the Data Center session cookie says (asked of Data Center). Every
 * `POST` must come from that origin (`Origin`, else `Referer`): `403 bad_origin` otherwise.
 */
export function gatePagesRouter(deps: GatePagesRouterDeps): Router {
  const router = Router();
  router.use('/gate/v1', (_req, res, next) => {
    res.setHeader('Cache-Control', 'no-store');
    next();
  });

  const siteFor = async (req: Request): Promise<GateSite> => {
    const site = await deps.siteOf(req.get('X-Twofold-Gate-Key'));
    if (site === null) throw new TwofoldError('unauthenticated', 'This page is reached through your Data Center site, whose proxy names its gate.');
    return site;
  };
  /** The site, and the client's address as the gate judges it (X-Forwarded-For from the site's trusted proxies). */
  const postFrom = async (req: Request): Promise<GateSite> => (await postFromClient(req)).site;
  const postFromClient = async (req: Request): Promise<{ site: GateSite; client: string }> => {
    const site = await siteFor(req);
    if (!fromOrigin(req, new URL(site.baseUrl).origin)) {
      throw new TwofoldError('bad_origin', 'This form is accepted only from your Data Center site’s own pages.');
    }
    // Keyed by the client as the gate judges it (X-Forwarded-For from the site's trusted proxies), not by
    // nginx's own address, which every user of the site shares.
    const client = clientAddress(req.socket.remoteAddress ?? '', req.get('X-Forwarded-For'), site.policy.gate.trustedProxies);
    const decision = deps.rateLimiter.take(GATE_POST_LIMIT.bucket, GATE_POST_LIMIT.rule, client);
    if (!decision.allowed) throw rateLimited(decision.retryAfterSeconds);
    return { site, client };
  };

  for (const [name, asset] of Object.entries(deps.assets)) {
    router.get(`/gate/v1/assets/${name}`, (_req, res) => {
      res.setHeader('Cache-Control', 'public, max-age=300');
      res.type(asset.type).sendFile(asset.file);
    });
  }

  router.get(
    '/gate/v1/verify',
    asyncRoute(async (req, res) => {
      const rd = safeReturnPath(req.query.rd);
      const site = await deps.siteOf(req.get('X-Twofold-Gate-Key'));
      if (site === null) return renderPage(res, 401, { mode: 'no-gate', rd });
      const state = await deps.signIn.pageState(site, req.get('Cookie')).catch((error: unknown) => {
        if (error instanceof TwofoldError && error.code === 'unauthenticated') return null;
        throw error;
      });
      const branding = site.policy.branding;
      const common = {
        rd,
        loginUrl: `/login.jsp?os_destination=${encodeURIComponent(rd)}`,
        serviceName: branding.serviceName,
        companyName: branding.companyName,
        brandColor: branding.color,
      };
      if (state === null) return renderPage(res, 200, { ...common, mode: 'login' });
      const mode = state.verified ? 'verified' : state.enrolled ? 'verify' : site.policy.gate.selfEnrollment ? 'enroll' : 'ask-admin';
      const approvals = state.verified ? await deps.signIn.pendingApprovals(site, state.who) : [];
      const methods = mode === 'verify' ? await deps.signIn.methods(site, state.who, state.enrolled) : null;
      return renderPage(res, 200, {
        ...common,
        mode,
        displayName: state.who.user.name,
        backupCodes: methods?.backupCodes ?? false,
        emailCode: methods?.email ?? false,
        accessPass: methods?.accessPass === 'ready',
        pairInJira: methods?.accessPass === 'pair_in_jira',
        approvals: approvals.map((a) => ({
          id: a.id,
          clientAddress: a.clientAddress,
          userAgent: a.userAgent,
          method: a.method,
          path: a.path,
          createdAt: a.createdAt.toISOString(),
        })),
      });
    }),
  );

  router.post(
    '/gate/v1/verify',
    asyncRoute(async (req, res) => {
      const site = await postFrom(req);
      const { rd, ...input } = parseInput(verifyBody, req.body);
      const result = await deps.signIn.verify(site, req.get('Cookie'), input, rd);
      setGateCookie(res, site, result.cookie);
      res.json({
        redirect: result.redirect,
        verifiedUntil: result.verified.verifiedUntil.toISOString(),
        method: result.verified.method,
        ...(result.verified.backupCodesLeft === undefined ? {} : { backupCodesLeft: result.verified.backupCodesLeft }),
      });
    }),
  );

  router.post(
    '/gate/v1/email-code',
    asyncRoute(async (req, res) => {
      const { site, client } = await postFromClient(req);
      parseInput(emptyBody, req.body ?? {});
      const sent = await deps.signIn.sendEmailCode(site, req.get('Cookie'), client);
      res.status(202).json({ sentTo: sent.sentTo, expiresAt: sent.expiresAt.toISOString() });
    }),
  );

  router.post(
    '/gate/v1/access-pass',
    asyncRoute(async (req, res) => {
      const { site, client } = await postFromClient(req);
      parseInput(emptyBody, req.body ?? {});
      const created = await deps.signIn.requestAccessPass(site, req.get('Cookie'), client);
      res.status(201).json({ challengeId: created.challengeId, symbol: created.symbol, expiresAt: created.expiresAt.toISOString() });
    }),
  );

  router.get(
    '/gate/v1/access-pass/:challengeId',
    asyncRoute(async (req, res) => {
      const site = await siteFor(req);
      const { challengeId } = parseInput(challengeParam, req.params);
      const { rd } = parseInput(rdQuery, req.query);
      const view = await deps.signIn.pollAccessPass(site, req.get('Cookie'), challengeId, rd);
      if (view.state !== 'approved' || view.signedIn === null) {
        res.json({ state: view.state });
        return;
      }
      const { cookie, redirect, verified } = view.signedIn;
      setGateCookie(res, site, cookie);
      res.json({ state: 'approved', redirect, verifiedUntil: verified.verifiedUntil.toISOString(), method: verified.method });
    }),
  );

  router.post(
    '/gate/v1/enroll',
    asyncRoute(async (req, res) => {
      const site = await postFrom(req);
      const pending = await deps.signIn.enrollStart(site, req.get('Cookie'));
      res.status(201).json(await presentPendingEnrollment(pending, (text) => deps.qrPng(text)));
    }),
  );

  router.post(
    '/gate/v1/enroll/confirm',
    asyncRoute(async (req, res) => {
      const site = await postFrom(req);
      const { code, rd } = parseInput(confirmBody, req.body);
      const result = await deps.signIn.enrollConfirm(site, req.get('Cookie'), code, rd);
      setGateCookie(res, site, result.cookie);
      res.json({ backupCodes: result.backupCodes, verifiedUntil: result.verifiedUntil.toISOString(), redirect: result.redirect });
    }),
  );

  router.get(
    '/gate/v1/approvals/:id',
    asyncRoute(async (req, res) => {
      const site = await siteFor(req);
      const id = parseInput(ApprovalId, req.params.id);
      const approval = await deps.signIn.approval(site, id);
      if (approval === null) throw new TwofoldError('not_found', 'There is no such approval request.');
      res.json({ id: approval.id, state: approval.state, createdAt: approval.createdAt.toISOString(), decidedAt: approval.decidedAt?.toISOString() ?? null });
    }),
  );

  router.post(
    '/gate/v1/approvals/:id',
    asyncRoute(async (req, res) => {
      const site = await postFrom(req);
      const id = parseInput(ApprovalId, req.params.id);
      const { decision } = parseInput(decisionBody, req.body);
      const decided = await deps.signIn.decide(site, req.get('Cookie'), id, decision);
      res.json({ id: decided.id, state: decided.state, decidedAt: decided.decidedAt?.toISOString() ?? null });
    }),
  );

  return router;
}

function renderPage(res: Response, status: number, view: Record<string, unknown>): void {
  res.status(status).render('pages/gate-verify', {
    layout: 'gate',
    title: view.mode === 'enroll' ? 'Set up two-step verification' : "Verify it's you",
    [`is_${String(view.mode).replace('-', '_')}`]: true,
    ...view,
  });
}

/** `Origin`, or without one the `Referer`'s origin, is the Data Center's. */
function fromOrigin(req: Request, expected: string): boolean {
  const origin = req.get('Origin');
  if (origin !== undefined) return origin === expected;
  const referer = req.get('Referer');
  if (referer === undefined) return false;
  try {
    return new URL(referer).origin === expected;
  } catch {
    return false;
  }
}

/** `twofold_gate`: HttpOnly, SameSite=Lax, Path=/, Secure unless the site is plain http (only allowed on loopback). */
function setGateCookie(res: Response, site: GateSite, cookie: GateCookie): void {
  res.cookie(GATE_COOKIE, cookie.value, {
    httpOnly: true,
    sameSite: 'lax',
    path: '/',
    secure: new URL(site.baseUrl).protocol === 'https:',
    maxAge: cookie.maxAgeSeconds * 1000,
    encode: (value) => value,
  });
}
