import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { TwofoldError } from '../src/domain/errors';
import type { GateSite } from '../src/domain/gate/gate-check';
import { GATE_COOKIE } from '../src/domain/gate/gate-cookie';
import type { GateCookie, GateSignIn } from '../src/domain/gate/gate-sign-in';
import { safeReturnPath } from '../src/domain/gate/return-path';
import { encodeBase32, encodeHex, formatBase32ForTyping } from '../src/domain/mfa/secret-encoding';
import { asyncRoute } from '../src/http/async-route';
import { parseInput } from '../src/http/validate';

export interface GatePagesRouterDeps {
  signIn: GateSignIn;
  /** The site a request's `X-Twofold-Gate-Key` (added by nginx) names; null for none. */
  siteOf(gateKey: string | undefined): Promise<GateSite | null>;
  qrPng(text: string): Promise<string>;
  /** Files the page loads through the `/twofold/` proxy (its script and style sheet). */
  assets: Record<string, { file: string; type: string }>;
}

// The field names `code` and `backupCode` are redacted by the logger wherever they appear.
const rdField = { rd: z.string().max(2048).optional() };
const verifyBody = z.union([
  z.object({ code: z.string().min(1).max(64), ...rdField }).strict(),
  z.object({ backupCode: z.string().min(1).max(64), ...rdField }).strict(),
]);
const confirmBody = z.object({ code: z.string().min(1).max(64), ...rdField }).strict();
const decisionBody = z.object({ decision: z.enum(['approve', 'deny']) }).strict();
const ApprovalId = z.string().uuid();

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
  const postFrom = async (req: Request): Promise<GateSite> => {
    const site = await siteFor(req);
    if (!fromOrigin(req, new URL(site.baseUrl).origin)) {
      throw new TwofoldError('bad_origin', 'This form is accepted only from your Data Center site’s own pages.');
    }
    return site;
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
      return renderPage(res, 200, {
        ...common,
        mode,
        displayName: state.who.user.name,
        backupCodes: site.policy.methods.includes('backup_codes'),
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
    '/gate/v1/enroll',
    asyncRoute(async (req, res) => {
      const site = await postFrom(req);
      const pending = await deps.signIn.enrollStart(site, req.get('Cookie'));
      res.status(201).json({
        secretBase32: encodeBase32(pending.secret),
        secretBase32Grouped: formatBase32ForTyping(pending.secret),
        secretHex: encodeHex(pending.secret),
        otpauthUri: pending.otpauthUri,
        qrPng: await deps.qrPng(pending.otpauthUri),
        algorithm: pending.params.algorithm,
        digits: pending.params.digits,
        period: pending.params.period,
        issuer: pending.issuer,
        twoFactorId: pending.twoFactorId,
      });
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
