import { Router } from 'express';
import { z } from 'zod';
import { principalOf } from '../src/http/principal';
import { asyncRoute } from '../src/http/async-route';
import { CODE, proofFields, proofOf, proofOnlyBody, sessionCredentialOf } from '../src/http/session-credential';
import { parseInput } from '../src/http/validate';
import type { TwoFactorIds } from '../src/domain/idmap/two-factor-ids';
import type { EnrollmentService } from '../src/domain/mfa/enrollment-service';
import type { FactorManagement } from '../src/domain/mfa/factor-management';
import type { FactorStatus, FactorStatusService } from '../src/domain/mfa/factor-status';
import { OTP_ALGORITHMS, OTP_DIGITS, TOTP_PERIODS } from '../src/domain/mfa/otp-parameters';
import type { VerificationService } from '../src/domain/mfa/verification-service';
import type { EmailCodeService } from '../src/domain/mfa/email-code-service';
import type { EmailConfirmation } from '../src/domain/mfa/email-confirmation';
import { TwofoldError } from '../src/domain/errors';
import type { ClientRateLimiter, RateLimitRule } from '../src/domain/http/client-rate-limit';
import type { PolicyService } from '../src/domain/policy/policy-service';
import type { RouteDoc } from '../src/http/route-doc';
import type { LaneRoute } from '../src/http/api-lane';
import type { Principal } from '../src/domain/tenancy/principal';
import { presentPendingEnrollment } from '../src/http/present-enrollment';
import { rateLimited } from '../src/http/rate-limit-by-client';

export interface MeRouterDeps {
  policies: PolicyService;
  status: FactorStatusService;
  enrollment: EnrollmentService;
  verification: VerificationService;
  factors: FactorManagement;
  ids: TwoFactorIds;
  /** Renders the otpauth URI as a PNG data URL. */
  qrPng(text: string): Promise<string>;
  emailCodes: EmailCodeService;
  emailConfirmation: EmailConfirmation;
  /** Bounds the ID availability checks a user makes as they type. */
  /** The ID availability check's limit per account (a page asks as the user types). */
  idChecks: { limiter: ClientRateLimiter; rule: RateLimitRule };
}

const enrollBody = z
  .object({
    algorithm: z.enum(OTP_ALGORITHMS).optional(),
    digits: z.literal(OTP_DIGITS).optional(),
    period: z.literal(TOTP_PERIODS).optional(),
    // Replacing a working factor: a code of the old one, entered for this.
    ...proofFields,
  })
  .strict();
// The field names `code` and `backupCode` are redacted by the logger wherever they appear.
const confirmBody = z.object({ code: CODE }).strict();
const verifyBody = z.union([z.object({ code: CODE }).strict(), z.object({ backupCode: CODE }).strict(), z.object({ emailCode: CODE }).strict()]);
const emailCodeBody = z.object({ purpose: z.enum(['verify', 'confirm_email']).optional() }).strict();
const emailConfirmBody = z.object({ emailCode: CODE }).strict();
const idAvailabilityQuery = z.object({ id: z.string().max(512) });
const idBody = z.object({ twoFactorId: z.string() }).strict();

/** The routes below, described for the OpenAPI document (src/http/openapi.ts). */
export const ME_ROUTES: readonly RouteDoc[] = [
  {
    method: 'get',
    path: '/api/v1/me',
    auth: 'connectJwt',
    summary: "The caller's second factor: 2FA ID, enrollment, whether it is required, methods, this browser's session",
    responses: { 200: '{accountId, twoFactorId, enrolled, required, methods, verifiedUntil, lockedUntil, ...}' },
  },
  {
    method: 'post',
    path: '/api/v1/me/totp',
    auth: 'connectJwt',
    summary: 'Starts a TOTP enrollment (replacing a working factor needs a code of it)',
    body: enrollBody,
    responses: { 201: '{secretBase32, secretHex, otpauthUri, qrPng, algorithm, digits, period}' },
    errors: ['invalid_request', 'verification_required', 'invalid_code', 'code_reused', 'locked_out'],
  },
  {
    method: 'post',
    path: '/api/v1/me/totp/confirm',
    auth: 'connectJwt',
    summary: 'Activates the pending TOTP credential with a code from it',
    body: confirmBody,
    responses: { 200: '{backupCodes, sessionToken, verifiedUntil}' },
    errors: ['invalid_request', 'invalid_code', 'no_pending_enrollment', 'locked_out'],
  },
  { method: 'delete', path: '/api/v1/me/totp/pending', auth: 'connectJwt', summary: 'Cancels a pending enrollment', responses: { 204: 'cancelled' } },
  {
    method: 'delete',
    path: '/api/v1/me/totp',
    auth: 'connectJwt',
    summary: "Removes the caller's TOTP credential (needs a code entered for it)",
    body: proofOnlyBody,
    responses: { 204: 'removed' },
    errors: ['invalid_request', 'verification_required', 'invalid_code', 'code_reused', 'locked_out', 'not_enrolled'],
  },
  {
    method: 'post',
    path: '/api/v1/me/verify',
    auth: 'connectJwt',
    summary: 'Verifies a code, backup code or email code and starts a 2FA session of this browser',
    body: verifyBody,
    responses: { 200: '{verifiedUntil, verifiedAt, method, sessionToken, backupCodesLeft?}' },
    errors: ['invalid_request', 'invalid_code', 'code_reused', 'locked_out', 'not_enrolled'],
  },
  {
    method: 'post',
    path: '/api/v1/me/email-code',
    auth: 'connectJwt',
    summary: "Emails an 8-digit code to the user's Jira address (10 minutes, single use; at most 3 sends in 15 minutes)",
    body: emailCodeBody,
    responses: { 202: '{sentTo (masked), expiresAt}' },
    errors: ['invalid_request', 'method_disabled', 'too_many_emails', 'email_hidden', 'mail_not_configured'],
  },
  {
    method: 'post',
    path: '/api/v1/me/email/confirm',
    auth: 'connectJwt',
    summary: "Confirms the user's email address with an emailed code, where the policy asks for it before the first factor",
    body: emailConfirmBody,
    responses: { 200: '{confirmed, confirmedAt}' },
    errors: ['invalid_request', 'forbidden', 'invalid_code', 'code_reused', 'locked_out'],
  },
  {
    method: 'get',
    path: '/api/v1/me/id-availability',
    auth: 'connectJwt',
    summary: 'Whether a 2FA ID the user would choose is available (never who holds it)',
    query: idAvailabilityQuery,
    responses: { 200: '{state: "available" | "taken" | "yours" | "invalid", problem?}' },
    errors: ['invalid_request', 'forbidden', 'rate_limited'],
  },
  {
    method: 'post',
    path: '/api/v1/me/backup-codes',
    auth: 'connectJwt',
    summary: 'Replaces the backup codes (needs a code entered for it)',
    body: proofOnlyBody,
    responses: { 201: '{backupCodes}' },
    errors: ['invalid_request', 'verification_required', 'invalid_code', 'code_reused', 'locked_out', 'not_enrolled'],
  },
  {
    method: 'put',
    path: '/api/v1/me/two-factor-id',
    auth: 'connectJwt',
    summary: "Chooses the caller's 2FA ID, where the policy allows it",
    body: idBody,
    responses: { 200: '{twoFactorId}' },
    errors: ['invalid_request', 'id_taken', 'forbidden'],
  },
];

/**
 * `/api/v1/me/**`: the caller's own second factor (CONTRACT "The user's second factor"). Thin:
 * authenticate (done by the API router) → validate → call the domain → present. Answers are never
 * cached: some carry a secret that is shown once.
 */
export function meRouter(deps: MeRouterDeps): Router {
  const router = Router();
  router.use('/me', (_req, res, next) => {
    res.setHeader('Cache-Control', 'no-store');
    next();
  });

  const status = statusAnswer(deps);
  const verify = verifyAnswer(deps);
  router.get(
    '/me',
    asyncRoute(async (req, res) => {
      res.json(await status(principalOf(res), sessionCredentialOf(req)));
    }),
  );

  router.post(
    '/me/totp',
    asyncRoute(async (req, res) => {
      const { code, backupCode, ...requested } = parseInput(enrollBody, req.body ?? {});
      const { tenant, accountId } = principalOf(res);
      const pending = await deps.enrollment.start(tenant, accountId, await deps.policies.get(tenant), requested, proofOf({ code, backupCode }));
      res.status(201).json(await presentPendingEnrollment(pending, (text) => deps.qrPng(text)));
    }),
  );

  router.post(
    '/me/totp/confirm',
    asyncRoute(async (req, res) => {
      const { code } = parseInput(confirmBody, req.body);
      const { tenant, accountId } = principalOf(res);
      const confirmed = await deps.enrollment.confirm(tenant, accountId, await deps.policies.get(tenant), code);
      // The browser that confirmed is verified: its session credential, shown this once.
      res.json({ backupCodes: confirmed.backupCodes, sessionToken: confirmed.sessionToken, verifiedUntil: confirmed.verifiedUntil.toISOString() });
    }),
  );

  router.delete(
    '/me/totp/pending',
    asyncRoute(async (_req, res) => {
      const { tenant, accountId } = principalOf(res);
      await deps.enrollment.cancel(tenant, accountId);
      res.status(204).end();
    }),
  );

  router.delete(
    '/me/totp',
    asyncRoute(async (req, res) => {
      const proof = proofOf(parseInput(proofOnlyBody, req.body ?? {}));
      const { tenant, accountId } = principalOf(res);
      await deps.factors.removeOwn(tenant.clientKey, accountId, await deps.policies.get(tenant), proof);
      res.status(204).end();
    }),
  );

  router.post(
    '/me/verify',
    asyncRoute(async (req, res) => {
      res.json(await verify(principalOf(res), req.body));
    }),
  );

  router.post(
    '/me/email-code',
    asyncRoute(async (req, res) => {
      const { purpose } = parseInput(emailCodeBody, req.body ?? {});
      const { tenant, accountId } = principalOf(res);
      const sent = await deps.emailCodes.send(tenant, accountId, await deps.policies.get(tenant), purpose ?? 'verify', req.ip ?? null);
      res.status(202).json({ sentTo: sent.sentTo, expiresAt: sent.expiresAt.toISOString() });
    }),
  );

  router.post(
    '/me/email/confirm',
    asyncRoute(async (req, res) => {
      const { emailCode } = parseInput(emailConfirmBody, req.body);
      const { tenant, accountId } = principalOf(res);
      const policy = await deps.policies.get(tenant);
      if (!policy.confirmEmailOnEnrollment) throw new TwofoldError('forbidden', 'This site does not confirm email addresses during set-up.');
      const confirmed = await deps.emailConfirmation.confirm(tenant, accountId, policy, emailCode);
      res.json({ confirmed: true, confirmedAt: confirmed.confirmedAt.toISOString() });
    }),
  );

  router.get(
    '/me/id-availability',
    asyncRoute(async (req, res) => {
      const { id } = parseInput(idAvailabilityQuery, req.query);
      const { tenant, accountId } = principalOf(res);
      const policy = await deps.policies.get(tenant);
      if (!policy.allowUserChosenId) throw new TwofoldError('forbidden', 'On this site your administrator assigns 2FA IDs.');
      const decision = deps.idChecks.limiter.take('id-checks', deps.idChecks.rule, `${tenant.clientKey}\u0000${accountId}`);
      if (!decision.allowed) throw rateLimited(decision.retryAfterSeconds, 'Too many checks in a short time. Wait a moment, then type again.');
      res.json(await deps.ids.availability(tenant, accountId, id, policy));
    }),
  );

  router.post(
    '/me/backup-codes',
    asyncRoute(async (req, res) => {
      const proof = proofOf(parseInput(proofOnlyBody, req.body ?? {}));
      const { tenant, accountId } = principalOf(res);
      res.status(201).json(await deps.factors.regenerateBackupCodes(tenant.clientKey, accountId, await deps.policies.get(tenant), proof));
    }),
  );

  router.put(
    '/me/two-factor-id',
    asyncRoute(async (req, res) => {
      const { twoFactorId } = parseInput(idBody, req.body);
      const { tenant, accountId } = principalOf(res);
      const mapping = await deps.ids.assign(tenant, accountId, accountId, twoFactorId, 'user', await deps.policies.get(tenant));
      res.json({ twoFactorId: mapping.twoFactorId });
    }),
  );

  return router;
}

/**
 * The routes above that are also answered before Express, from Node's request listener (src/http/api-lane.ts):
 * `GET /api/v1/me` (every page view) and `POST /api/v1/me/verify`, with the answers of the routes above.
 */
export function meLaneRoutes(deps: Pick<MeRouterDeps, 'status' | 'policies' | 'verification'>): LaneRoute[] {
  const status = statusAnswer(deps);
  const verify = verifyAnswer(deps);
  return [
    { method: 'GET', path: '/api/v1/me', body: false, answer: ({ principal, sessionCredential }) => status(principal, sessionCredential) },
    { method: 'POST', path: '/api/v1/me/verify', body: true, answer: ({ principal, body }) => verify(principal, body) },
  ];
}

/** `GET /api/v1/me`: the caller's status as the browser presenting `sessionCredential` sees it. */
function statusAnswer(deps: Pick<MeRouterDeps, 'status' | 'policies'>) {
  return async ({ tenant, accountId }: Principal, sessionCredential: string | null) =>
    presentStatus(await deps.status.status(tenant, accountId, await deps.policies.get(tenant), sessionCredential));
}

/** `POST /api/v1/me/verify`: a code checked, and this browser's session started. */
function verifyAnswer(deps: Pick<MeRouterDeps, 'verification' | 'policies'>) {
  return async ({ tenant, accountId }: Principal, body: unknown) => {
    const input = parseInput(verifyBody, body);
    const policy = await deps.policies.get(tenant);
    const result = await deps.verification.verify({ tenant: tenant.clientKey, accountId, policy }, input);
    return {
      verifiedUntil: result.verifiedUntil.toISOString(),
      verifiedAt: result.verifiedAt.toISOString(),
      method: result.method,
      // This browser's session credential, shown this once; the page sends it back as X-Twofold-Session.
      sessionToken: result.sessionToken,
      ...(result.backupCodesLeft === undefined ? {} : { backupCodesLeft: result.backupCodesLeft }),
    };
  };
}

export function presentStatus(status: FactorStatus): Record<string, unknown> {
  return {
    accountId: status.accountId,
    twoFactorId: status.twoFactorId,
    twoFactorIdSource: status.twoFactorIdSource,
    enrolled: status.enrolled,
    required: status.required,
    methods: status.methods,
    availableMethods: status.availableMethods,
    verifiedUntil: status.verifiedUntil?.toISOString() ?? null,
    verifiedAt: status.verifiedAt?.toISOString() ?? null,
    lastVerifiedAt: status.lastVerifiedAt?.toISOString() ?? null,
    pendingEnrollment: status.pendingEnrollment,
    totp: status.totp
      ? {
          algorithm: status.totp.algorithm,
          digits: status.totp.digits,
          period: status.totp.period,
          confirmedAt: status.totp.confirmedAt?.toISOString() ?? null,
        }
      : null,
    backupCodes: status.backupCodes,
    lockedUntil: status.lockedUntil?.toISOString() ?? null,
    onboardingRequired: status.onboardingRequired,
  };
}
