import type { AccessPassService } from '../approvals/access-pass-service';
import type { AccessPassSymbol } from '../approvals/symbols';
import type { AuditLog } from '../audit/audit-log';
import { TwofoldError } from '../errors';
import type { TwoFactorIds } from '../idmap/two-factor-ids';
import type { EmailCodeService, SentEmailCode } from '../mfa/email-code-service';
import type { EnrollmentService, PendingEnrollment } from '../mfa/enrollment-service';
import { effectiveSessionMinutes } from '../mfa/session';
import type { VerificationContext, VerificationInput, VerificationService, Verified } from '../mfa/verification-service';
import type { Clock } from '../ports/clock';
import type { ApprovalRequest } from './approval';
import { APPROVAL_PENDING_MINUTES } from './approval';
import type { GateBrowserUser, GateCheck, GateSite } from './gate-check';
import type { GateCookieSigner } from './gate-cookie';
import type { ApprovalRepository } from './ports';
import { safeReturnPath } from './return-path';

export interface GateSignInDeps {
  readonly check: GateCheck;
  readonly verification: VerificationService;
  readonly enrollment: EnrollmentService;
  /** Email codes and the access pass: the services Twofold's Verify page inside Jira uses, not copies. */
  readonly emailCodes: EmailCodeService;
  readonly accessPass: AccessPassService;
  readonly ids: TwoFactorIds;
  readonly signer: GateCookieSigner;
  readonly approvals: ApprovalRepository;
  readonly audit: AuditLog;
  readonly clock: Clock;
}

/** The `twofold_gate` cookie to set: its value and how long it lives (the session's own end). */
export interface GateCookie {
  readonly value: string;
  readonly maxAgeSeconds: number;
}

/**
 * The ways to verify the gate's page offers a user: those the policy turns on and the user can use
 * now. The access pass is `pair_in_jira` when the policy offers it but the user has no paired phone
 * (or no factor yet): pairing happens on Twofold's Two-step verification page inside Jira.
 */
export interface GateMethods {
  readonly backupCodes: boolean;
  readonly email: boolean;
  readonly accessPass: 'ready' | 'pair_in_jira' | 'off';
}

/** What an approved access pass gives the browser that asked: its session, as a verified code does. */
export type GateAccessPassView =
  | { readonly state: 'pending' | 'denied' | 'expired' }
  | { readonly state: 'approved'; readonly signedIn: { redirect: string; cookie: GateCookie; verified: Verified } | null };

/**
 * The gate's pages on the Data Center host (`/twofold/…`): verifying with a code, backup code, email
 * code or the access pass, onboarding a required user who has no factor yet, and answering Basic-auth clients' approval
 * requests. Every code goes through the one VerificationService (and EnrollmentService), so lockout,
 * replay protection and audit are those of Twofold's pages inside Jira.
 */
export class GateSignIn {
  constructor(private readonly deps: GateSignInDeps) {}

  /** The logged-in Data Center user, or `401 unauthenticated` (log in to Data Center first). */
  async who(site: GateSite, cookieHeader: string | undefined): Promise<GateBrowserUser> {
    const who = await this.deps.check.browserUser(site, cookieHeader);
    if (who === null) throw new TwofoldError('unauthenticated', 'Log in to Data Center first; then this page asks for your second factor.');
    return who;
  }

  /** What the verify page shows for this user. */
  async pageState(site: GateSite, cookieHeader: string | undefined): Promise<{ who: GateBrowserUser; enrolled: boolean; verified: boolean }> {
    const who = await this.who(site, cookieHeader);
    const [enrolled, verified] = await Promise.all([this.hasFactor(site, who), this.deps.check.verified(site, who, cookieHeader)]);
    return { who, enrolled, verified };
  }

  /** The ways to verify this user is offered on the page (an enrolled user's: `enrolled`). */
  async methods(site: GateSite, who: GateBrowserUser, enrolled: boolean): Promise<GateMethods> {
    const { policy, tenant } = site;
    const [email, devices] = await Promise.all([
      this.deps.emailCodes.usableFor(tenant, who.accountId, policy),
      policy.methods.includes('access_pass') && enrolled ? this.deps.accessPass.pairedDeviceCount(tenant.clientKey, who.accountId) : 0,
    ]);
    return {
      backupCodes: policy.methods.includes('backup_codes'),
      email,
      accessPass: !policy.methods.includes('access_pass') ? 'off' : devices > 0 ? 'ready' : 'pair_in_jira',
    };
  }

  /**
   * `POST /gate/v1/email-code`: a code to the Data Center user's address (as Data Center shows it,
   * through the connector), by the one email code service: same policy, send limit and audit.
   */
  async sendEmailCode(site: GateSite, cookieHeader: string | undefined, requestedFrom: string): Promise<SentEmailCode> {
    const who = await this.who(site, cookieHeader);
    return this.deps.emailCodes.send(site.tenant, who.accountId, site.policy, 'verify', requestedFrom);
  }

  /** `POST /gate/v1/access-pass`: asks the user's paired phones (`409 no_device` without one). */
  async requestAccessPass(
    site: GateSite,
    cookieHeader: string | undefined,
    clientAddress: string,
  ): Promise<{ challengeId: string; symbol: AccessPassSymbol | null; expiresAt: Date }> {
    const who = await this.who(site, cookieHeader);
    if (!site.policy.methods.includes('access_pass')) throw new TwofoldError('method_disabled', 'Approving on a phone is turned off on this site.');
    const { twoFactorId } = await this.deps.ids.current(site.tenant, who.accountId, site.policy);
    return this.deps.accessPass.request(this.context(site, who), { userLabel: twoFactorId, site: site.baseUrl, ip: clientAddress });
  }

  /**
   * `GET /gate/v1/access-pass/{id}`: the challenge's state; the first poll after the phone approved
   * gets the browser's session and its `twofold_gate` cookie, as a verified code does.
   */
  async pollAccessPass(site: GateSite, cookieHeader: string | undefined, challengeId: string, rd: unknown): Promise<GateAccessPassView> {
    const who = await this.who(site, cookieHeader);
    const view = await this.deps.accessPass.poll(this.context(site, who), challengeId);
    if (view.state !== 'approved') return view;
    if (view.verified === null) return { state: 'approved', signedIn: null };
    return {
      state: 'approved',
      signedIn: {
        redirect: safeReturnPath(rd),
        cookie: this.cookie(site, who, view.verified.sessionToken, view.verified.verifiedUntil),
        verified: view.verified,
      },
    };
  }

  async verify(
    site: GateSite,
    cookieHeader: string | undefined,
    input: VerificationInput,
    rd: unknown,
  ): Promise<{ redirect: string; cookie: GateCookie; verified: Verified }> {
    const who = await this.who(site, cookieHeader);
    const verified = await this.deps.verification.verify(this.context(site, who), input);
    return { redirect: safeReturnPath(rd), cookie: this.cookie(site, who, verified.sessionToken, verified.verifiedUntil), verified };
  }

  /** `POST /gate/v1/enroll`: a pending TOTP credential for a required user with no factor, when the policy allows. */
  async enrollStart(site: GateSite, cookieHeader: string | undefined): Promise<PendingEnrollment> {
    const who = await this.who(site, cookieHeader);
    await this.mayEnroll(site, who);
    await this.deps.ids.ensure(site.tenant, who.accountId, site.policy, { emailAddress: who.user.emailAddress });
    return this.deps.enrollment.start(site.tenant, who.accountId, site.policy, {});
  }

  async enrollConfirm(
    site: GateSite,
    cookieHeader: string | undefined,
    code: string,
    rd: unknown,
  ): Promise<{ backupCodes: string[]; verifiedUntil: Date; redirect: string; cookie: GateCookie }> {
    const who = await this.who(site, cookieHeader);
    await this.mayEnroll(site, who);
    const done = await this.deps.enrollment.confirm(site.tenant, who.accountId, site.policy, code);
    return {
      backupCodes: done.backupCodes,
      verifiedUntil: done.verifiedUntil,
      redirect: safeReturnPath(rd),
      cookie: this.cookie(site, who, done.sessionToken, done.verifiedUntil),
    };
  }

  /** An approval request of the site's tenant (its state, for the client's own polling). */
  approval(site: GateSite, id: string): Promise<ApprovalRequest | null> {
    return this.deps.approvals.find(site.tenant.clientKey, id);
  }

  /** The user's approval requests still waiting, newest first. */
  async pendingApprovals(site: GateSite, who: GateBrowserUser): Promise<ApprovalRequest[]> {
    const since = new Date(this.deps.clock.now().getTime() - APPROVAL_PENDING_MINUTES * 60_000);
    return this.deps.approvals.pending(site.tenant.clientKey, who.accountId, since);
  }

  /**
   * The user answers one of their clients' approval requests. Only from a browser verified with the
   * second factor (`403 verification_required` otherwise): a password alone must not let a client in.
   */
  async decide(site: GateSite, cookieHeader: string | undefined, id: string, decision: 'approve' | 'deny'): Promise<ApprovalRequest> {
    const who = await this.who(site, cookieHeader);
    if (!(await this.deps.check.verified(site, who, cookieHeader))) {
      throw new TwofoldError('verification_required', 'Verify it’s you first: answering a client’s request needs your second factor.', {
        details: { reason: 'session', withinMinutes: effectiveSessionMinutes(site.policy.sessionTimeoutMinutes) },
      });
    }
    return this.answer(site.tenant.clientKey, who.accountId, id, decision);
  }

  /**
   * `POST /api/v1/me/approvals/{id}`: the same answer from Twofold's own pages, by the account the
   * request belongs to, from a browser with a live 2FA session (the caller checks the session).
   */
  async answer(tenant: string, accountId: string, id: string, decision: 'approve' | 'deny'): Promise<ApprovalRequest> {
    const request = await this.deps.approvals.find(tenant, id);
    if (request === null || request.accountId !== accountId) throw new TwofoldError('not_found', 'There is no such request of yours.');
    const now = this.deps.clock.now();
    const state = decision === 'approve' ? 'approved' : 'denied';
    if (!(await this.deps.approvals.decide(tenant, accountId, id, state, now))) {
      throw new TwofoldError('approval_closed', 'This request was answered already, or it expired. The client asks again with its next request.');
    }
    await this.deps.audit.record(tenant, {
      at: now,
      actorAccountId: accountId,
      action: 'gate.approval_decided',
      subjectAccountId: accountId,
      detail: { approvalId: id, decision: state, clientAddress: request.clientAddress, userAgent: request.userAgent, path: request.path },
    });
    return { ...request, state, decidedAt: now };
  }

  private async hasFactor(site: GateSite, who: GateBrowserUser): Promise<boolean> {
    return (await this.deps.check.hasFactor(site.tenant.clientKey, who.accountId)) === true;
  }

  private async mayEnroll(site: GateSite, who: GateBrowserUser): Promise<void> {
    if (!site.policy.gate.selfEnrollment) {
      throw new TwofoldError('forbidden', 'Your administrator sets up two-step verification for you on this site. Ask them to do so.');
    }
    if (await this.hasFactor(site, who)) {
      throw new TwofoldError('forbidden', 'You have set up two-step verification already. Use your app or token, or ask your administrator to reset it.');
    }
  }

  private context(site: GateSite, who: GateBrowserUser): VerificationContext {
    return { tenant: site.tenant.clientKey, accountId: who.accountId, policy: site.policy };
  }

  private cookie(site: GateSite, who: GateBrowserUser, sessionToken: string, verifiedUntil: Date): GateCookie {
    const value = this.deps.signer.seal(sessionToken, { tenant: site.tenant.clientKey, accountId: who.accountId, dataCenterSession: who.sessionHash });
    return { value, maxAgeSeconds: Math.max(0, Math.floor((verifiedUntil.getTime() - this.deps.clock.now().getTime()) / 1000)) };
  }
}
