import { DEFAULT_LOCKOUT_POLICY } from '../mfa/lockout';
import { DEFAULT_TOTP_PARAMETERS, type OtpAlgorithm, type OtpDigits, type TotpPeriod } from '../mfa/otp-parameters';
import { DEFAULT_STEP_UP_MINUTES } from '../mfa/session';
import { DEFAULT_TOTP_WINDOW } from '../mfa/verify-totp';

/**
 * A tenant's two-step verification policy: who must verify, with what, and the rules around it. The
 * fields follow SecSign's plugin settings (enforced groups, ID pattern, user-chosen IDs, session
 * timeout, IP SafeZone, branding) plus what TOTP and lockout need.
 *
 * Stored per tenant as one document; a tenant that never saved one has `defaultPolicy()`.
 */

/** Second factors a policy can offer (`email`: codes by email, off by default as the weakest method; `access_pass`: approval on a paired phone). */
export const POLICY_METHODS = ['totp', 'backup_codes', 'email', 'access_pass'] as const;
export type PolicyMethod = (typeof POLICY_METHODS)[number];

export interface TotpPolicy {
  /** What a new enrollment gets unless the user picks otherwise (hardware tokens may need other values). */
  readonly algorithm: OtpAlgorithm;
  readonly digits: OtpDigits;
  readonly period: TotpPeriod;
  /** Steps accepted either side of the current one, 0..3. */
  readonly window: number;
}

/** The access pass (src/domain/approvals). */
export interface AccessPassSettings {
  /**
   * Whether the user compares a symbol between the screen and the phone (SecSign's "access pass"). On
   * by default: it stops a blind "approve" of a request someone else started. Off, the phone offers
   * only approve and deny.
   */
  readonly showSymbol: boolean;
}

export interface LockoutSettings {
  readonly maxFailures: number;
  readonly windowMinutes: number;
  readonly tenantMaxFailures: number;
}

export interface Branding {
  /** The issuer authenticator apps list the entry under; no colon (Key Uri Format). */
  readonly serviceName: string;
  readonly companyName: string;
  /** `#rrggbb`. */
  readonly color: string;
}

/** How the forward-auth gate (src/domain/gate) treats a Data Center site's requests. */
export interface GatePolicy {
  /**
   * Basic-auth REST and Git clients of users who must use 2FA: `block` refuses them (`403 basic_blocked`);
   * `approve` holds each new client address until the user approves it, then lets it through for a grace period.
   */
  readonly basicAuth: 'approve' | 'block';
  /** Grace after an approval for reads (GET, HEAD, `git-upload-pack`): 15 minutes to 48 hours. */
  readonly readGraceMinutes: number;
  /** Grace after an approval for everything else (a push, a REST write): 15 minutes to 48 hours. */
  readonly writeGraceMinutes: number;
  /** Addresses (CIDR) of proxies whose `X-Forwarded-For` is believed; nginx on the same host by default. */
  readonly trustedProxies: readonly string[];
  /** A required user with no factor may set one up on the gate's page (else they are told to ask their admin). */
  readonly selfEnrollment: boolean;
}

export const GATE_GRACE_MINUTES = { min: 15, max: 48 * 60 } as const;

export interface TenantPolicy {
  /** Members of any of these Jira groups must use two-step verification. Empty: nobody is forced. */
  readonly enforcedGroups: readonly string[];
  readonly idPattern: string;
  /** Users may pick their own 2FA ID (unique in the tenant). */
  readonly allowUserChosenId: boolean;
  /**
   * Write-back: each change of a user's 2FA ID or enrollment is pushed to the Jira user property
   * `twofold-id` as it happens (a durable job item, so that a host outage delays it and loses nothing).
   */
  readonly writeBack: boolean;
  /** How long a verification lasts; 0 means as long as Twofold allows (session.ts). */
  readonly sessionTimeoutMinutes: number;
  /** How recent a verification must be for sensitive changes (removing a factor, new backup codes). */
  readonly stepUpMinutes: number;
  /** CIDR ranges where the second factor is skipped (enforced by the forward-auth gate). */
  readonly ipSafeZones: readonly string[];
  readonly methods: readonly PolicyMethod[];
  readonly totp: TotpPolicy;
  readonly lockout: LockoutSettings;
  readonly branding: Branding;
  readonly gate: GatePolicy;
  /**
   * Onboarding confirms the user's email address with an emailed code before their first factor is
   * activated (SecSign activates a new ID this way). Off by default.
   */
  readonly confirmEmailOnEnrollment: boolean;
  readonly accessPass: AccessPassSettings;
}

export const DEFAULT_SESSION_TIMEOUT_MINUTES = 12 * 60;
export const DEFAULT_BRAND_COLOR = '#0c66e4';

/**
 * The service name a new tenant's authenticator entries carry: the site's name for a Jira Cloud site
 * (`acme.atlassian.net`), else "Jira".
 */
export function defaultServiceName(siteUrl: string): string {
  try {
    const host = new URL(siteUrl).hostname.toLowerCase();
    return /^[a-z0-9-]+\.(atlassian\.net|jira\.com)$/.test(host) ? host : 'Jira';
  } catch {
    return 'Jira';
  }
}

export const DEFAULT_GATE_POLICY: GatePolicy = {
  basicAuth: 'approve',
  readGraceMinutes: 8 * 60,
  writeGraceMinutes: 60,
  trustedProxies: ['127.0.0.1/32', '::1/128'],
  selfEnrollment: true,
};

export function defaultPolicy(siteUrl: string): TenantPolicy {
  return {
    enforcedGroups: [],
    idPattern: '%email%',
    allowUserChosenId: false,
    writeBack: false,
    sessionTimeoutMinutes: DEFAULT_SESSION_TIMEOUT_MINUTES,
    stepUpMinutes: DEFAULT_STEP_UP_MINUTES,
    ipSafeZones: [],
    methods: ['totp', 'backup_codes', 'access_pass'],
    totp: { ...DEFAULT_TOTP_PARAMETERS, window: DEFAULT_TOTP_WINDOW },
    lockout: { ...DEFAULT_LOCKOUT_POLICY },
    branding: { serviceName: defaultServiceName(siteUrl), companyName: '', color: DEFAULT_BRAND_COLOR },
    gate: { ...DEFAULT_GATE_POLICY },
    confirmEmailOnEnrollment: false,
    accessPass: { showSymbol: true },
  };
}

/** Whether members of `groups` must use two-step verification under `policy`. */
export function isEnforcedFor(policy: TenantPolicy, groups: readonly string[]): boolean {
  if (policy.enforcedGroups.length === 0) return false;
  const names = new Set(groups.map((group) => group.toLowerCase()));
  return policy.enforcedGroups.some((group) => names.has(group.toLowerCase()));
}
