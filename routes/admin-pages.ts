import { Router, type RequestHandler } from 'express';
import { principalOf } from '../src/http/principal';
import { asyncRoute } from '../src/http/async-route';
import { auditActionGroups, auditWords } from '../src/domain/audit/audit-action-labels';
import { ID_PLACEHOLDERS, type IdPlaceholder } from '../src/domain/idmap/id-pattern';
import { OTP_ALGORITHMS, OTP_DIGITS, TOTP_PERIODS } from '../src/domain/mfa/otp-parameters';
import { MAX_SESSION_MINUTES } from '../src/domain/mfa/session';
import { MAX_TOTP_WINDOW } from '../src/domain/mfa/verify-totp';
import type { Tenant } from '../src/domain/tenancy/tenant';

export interface AdminPagesRouterDeps {
  /** Verifies the page JWT (`?jwt=`) and sets the principal (built by the composition root). */
  authenticatePage: RequestHandler;
  /** Lets only Jira admins through (after `authenticatePage`). */
  requireJiraAdmin: RequestHandler;
  hostScriptUrlFor(tenant: Tenant): string;
}

interface AdminPage {
  path: string;
  view: string;
  pageId: string;
  title: string;
  lead: string;
  script: string;
  /** Scripts the page's own script builds on, loaded before it. */
  helpers?: string[];
  /** The page changes settings: it carries the step-up card (views/partials/step-up.hbs) and its script. */
  changes: boolean;
  model?: () => Record<string, unknown>;
}

const PLACEHOLDER_HELP: Record<IdPlaceholder, string> = {
  '%email%': 'the email address, in lower case',
  '%emailLocalPart%': 'the part of the email address before the @',
  '%username%': 'the user name on Jira Server or Data Center; on Jira Cloud, the part of the email address before the @',
  '%accountId%': 'the Atlassian account ID, which every user has',
};

const ALGORITHM_LABELS: Record<(typeof OTP_ALGORITHMS)[number], string> = { SHA1: 'SHA-1 (every app)', SHA256: 'SHA-256', SHA512: 'SHA-512' };

/** The form's choices come from the domain's own limits, so that the page offers what the API accepts. */
function policyModel(): Record<string, unknown> {
  return {
    algorithms: OTP_ALGORITHMS.map((value) => ({ value, label: ALGORITHM_LABELS[value] })),
    digits: OTP_DIGITS.map((value) => ({ value, label: `${value} digits` })),
    periods: TOTP_PERIODS.map((value) => ({ value, label: `${value} seconds` })),
    windows: Array.from({ length: MAX_TOTP_WINDOW + 1 }, (_, value) => ({
      value,
      label: value === 0 ? 'Current code only' : `${value} step${value === 1 ? '' : 's'} either side${value === 1 ? ' (recommended)' : ''}`,
    })),
    placeholders: ID_PLACEHOLDERS.map((name) => ({ name, help: PLACEHOLDER_HELP[name] })),
    maxSessionMinutes: MAX_SESSION_MINUTES,
    maxSessionDays: MAX_SESSION_MINUTES / (24 * 60),
  };
}

const PAGES: AdminPage[] = [
  {
    path: '/pages/admin/policy',
    view: 'pages/admin-policy',
    pageId: 'admin-policy',
    title: 'Two-step verification policy',
    lead: 'Decide who must use a second factor, which methods they may use, and how long a verification lasts.',
    script: '/public/js/admin-policy.js',
    changes: true,
    model: policyModel,
  },
  {
    path: '/pages/admin/users',
    view: 'pages/admin-users',
    pageId: 'admin-users',
    title: 'Users',
    lead: 'Roll out two-step verification to a group, see who has set it up, change 2FA IDs, and reset the second factor of someone who lost their phone or token.',
    helpers: ['/public/js/admin-rollout.js', '/public/js/device-row.js'],
    script: '/public/js/admin-users.js',
    changes: true,
  },
  {
    path: '/pages/admin/audit',
    view: 'pages/admin-audit',
    pageId: 'admin-audit',
    title: 'Audit log',
    lead: 'Every security-relevant event of this site, newest first: set-ups, verifications, lockouts, resets and changes to the settings.',
    script: '/public/js/admin-audit.js',
    changes: false,
    model: () => ({ actionGroups: auditActionGroups(), auditWords: JSON.stringify(auditWords()) }),
  },
  {
    path: '/pages/admin/gate',
    view: 'pages/admin-gates',
    pageId: 'admin-gates',
    title: 'Data Center gate',
    lead: 'Let nginx in front of your Jira or Bitbucket Data Center site demand the second factor: create a gate, paste its snippet, revoke it when its key leaks.',
    script: '/public/js/admin-gates.js',
    changes: true,
  },
];

/**
 * The admin pages of two-step verification (framed by Jira, for Jira admins only): the policy, the
 * users and their 2FA IDs, and the audit log. The server renders the frame; each page's script reads
 * and changes everything through /api/v1/admin with the context token, as the connector page does.
 */
export function adminPagesRouter(deps: AdminPagesRouterDeps): Router {
  const router = Router();
  const page = deps.authenticatePage;
  const admin = deps.requireJiraAdmin;

  for (const definition of PAGES) {
    router.get(
      definition.path,
      page,
      admin,
      asyncRoute(async (_req, res) => {
        const { tenant, accountId } = principalOf(res);
        res.setHeader('Cache-Control', 'no-store');
        res.render(definition.view, {
          ...definition.model?.(),
          layout: 'connect',
          pageId: definition.pageId,
          title: definition.title,
          breadcrumb: 'Apps · Twofold',
          lead: definition.lead,
          accountId,
          hostScriptUrl: deps.hostScriptUrlFor(tenant),
          scripts: [
            '/public/js/twofold-api.js',
            ...(definition.changes ? ['/public/js/step-up.js'] : []),
            '/public/js/admin-page.js',
            ...(definition.helpers ?? []),
            definition.script,
          ],
        });
      }),
    );
  }
  return router;
}
