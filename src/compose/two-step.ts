import type { Router } from 'express';
import type { Sequelize } from 'sequelize';
import { adminAuditRouter } from '../../routes/admin-audit';
import { adminPagesRouter } from '../../routes/admin-pages';
import { adminPolicyRouter } from '../../routes/admin-policy';
import { adminUsersRouter } from '../../routes/admin-users';
import { meLaneRoutes, meRouter } from '../../routes/me';
import type { LaneRoute } from '../http/api-lane';
import { mePagesRouter } from '../../routes/me-pages';
import { onboardingPagesRouter } from '../../routes/onboarding-pages';
import type { JiraCloudHostClient } from '../adapters/connect/jira-cloud-host-client';
import { JiraCloudUserDirectory } from '../adapters/connect/jira-cloud-user-directory';
import { requireRecentVerification } from '../adapters/connect/require-verification';
import { SequelizeAuditLog } from '../adapters/db/audit-log-repository';
import type { AuditLog } from '../domain/audit/audit-log';
import { SequelizeBackupCodeRepository } from '../adapters/db/backup-code-repository';
import { SequelizeBrowserSessionRepository } from '../adapters/db/browser-session-repository';
import { SqlFactorStatusReader } from '../adapters/db/factor-status-reader';
import { SequelizeFailureCounterRepository } from '../adapters/db/failure-counter-repository';
import { SequelizeIdMappingRepository } from '../adapters/db/id-mapping-repository';
import { SequelizePolicyRepository } from '../adapters/db/policy-repository';
import { SequelizeTotpCredentialRepository } from '../adapters/db/totp-credential-repository';
import { SequelizeVerificationSessionRepository } from '../adapters/db/verification-session-repository';
import { SequelizeVerificationStateReader } from '../adapters/db/verification-state-reader';
import type { Logger } from '../adapters/logging/logger';
import { qrCodePngDataUrl } from '../adapters/qr/qr-code-png';
import { CachedUserDirectory } from '../domain/directory/user-directory';
import { DataCenterAwareDirectory } from '../domain/directory/data-center-aware-directory';
import type { JiraServerClient } from '../domain/ports/jira-server-client';
import { TwoFactorIds } from '../domain/idmap/two-factor-ids';
import { BrowserSessions } from '../domain/mfa/browser-session';
import { EnrollmentService } from '../domain/mfa/enrollment-service';
import { FactorManagement } from '../domain/mfa/factor-management';
import { FactorStatusService } from '../domain/mfa/factor-status';
import { StepUp } from '../domain/mfa/step-up';
import { UserRoster } from '../domain/mfa/user-roster';
import { VerificationService } from '../domain/mfa/verification-service';
import { PolicyService } from '../domain/policy/policy-service';
import type { Clock } from '../domain/ports/clock';
import type { Random } from '../domain/ports/random';
import type { SecretBox } from '../domain/ports/secret-box';
import type { Tenant } from '../domain/tenancy/tenant';
import type { Authentication } from './authentication';
import { logFailure } from '../adapters/logging/log-failure';
import { SequelizeEmailCodeRepository } from '../adapters/db/email-code-repository';
import { EmailCodeService } from '../domain/mfa/email-code-service';
import { EmailConfirmation } from '../domain/mfa/email-confirmation';
import type { MailSender } from '../domain/ports/mail-sender';
import { ClientRateLimiter } from '../domain/http/client-rate-limit';

/** How long a tenant's policy is trusted from memory (changes elsewhere also arrive by notification). */
const POLICY_CACHE_SECONDS = 10;
/** How long a user's email and groups are trusted from memory. */
const DIRECTORY_CACHE_SECONDS = 60;
/** ID availability checks a user may make per minute as they type (`GET /api/v1/me/id-availability`). */
const ID_CHECKS_PER_MINUTE = 30;

export interface TwoStepDeps {
  sequelize: Sequelize;
  secretBox: SecretBox;
  hostClient: JiraCloudHostClient;
  clock: Clock;
  random: Random;
  logger: Logger;
  /** Where email codes go: SMTP, the development outbox, or null (production without SMTP_URL: unavailable). */
  mail: MailSender | null;
  /** Tells every instance that a tenant's cached state (here: its policy) changed. */
  onTenantChange(clientKey: string): void;
  /**
   * The connector's client of a tenant: `dc:` accounts (Data Center users, at the gate) are looked up
   * there (their email address for email codes). Called only once a request needs it, so the connector
   * may be composed after two-step verification.
   */
  dataCenterClient?: (tenant: string) => Promise<JiraServerClient>;
  /** Wraps the audit log the services record to (write-back listens to ID and enrollment changes). */
  decorateAudit?: (audit: AuditLog) => AuditLog;
  /** The user's paired phones (compose/access-pass.ts): counted for `methods`, removed with the factor. */
  pairedDevices?: {
    list(tenant: string, accountId: string): Promise<unknown[]>;
    removeAll(tenant: string, accountId: string): Promise<number>;
    accountsWithDevices(tenant: string, accountIds: readonly string[]): Promise<Set<string>>;
  };
}

/**
 * Two-step verification wired together: repositories on the app's database, the domain services,
 * and their routers. Called from the composition root (app.ts), which mounts the routers.
 */
export function composeTwoStep(deps: TwoStepDeps) {
  const { sequelize, clock, random } = deps;
  const storedAudit = new SequelizeAuditLog(sequelize);
  const audit: AuditLog = deps.decorateAudit ? deps.decorateAudit(storedAudit) : storedAudit;
  const credentials = new SequelizeTotpCredentialRepository(sequelize, deps.secretBox);
  const backupCodes = new SequelizeBackupCodeRepository(sequelize);
  const failures = new SequelizeFailureCounterRepository(sequelize);
  const sessions = new SequelizeVerificationSessionRepository(sequelize);
  const browserSessionRows = new SequelizeBrowserSessionRepository(sequelize);
  const browserSessions = new BrowserSessions(browserSessionRows, clock);
  const mappings = new SequelizeIdMappingRepository(sequelize);
  const cloudDirectory = new JiraCloudUserDirectory(deps.hostClient);
  const dataCenterClient = deps.dataCenterClient;
  const directory = new CachedUserDirectory(
    dataCenterClient ? new DataCenterAwareDirectory(cloudDirectory, dataCenterClient) : cloudDirectory,
    clock,
    DIRECTORY_CACHE_SECONDS,
  );

  const policies = new PolicyService(new SequelizePolicyRepository(sequelize), audit, clock, {
    ttlSeconds: POLICY_CACHE_SECONDS,
    onChange: (clientKey) => deps.onTenantChange(clientKey),
    onStoredPolicyRepaired: (clientKey, repairs) =>
      deps.logger.warn({ clientKey, repairs }, 'the stored policy has fields that fail a check; they were mended on reading (saving the policy fixes it)'),
  });
  const ids = new TwoFactorIds(mappings, directory, audit, clock);
  const state = new SequelizeVerificationStateReader(sequelize, deps.secretBox);
  const emailCodeRows = new SequelizeEmailCodeRepository(sequelize);
  const emailCodes = new EmailCodeService({ codes: emailCodeRows, directory, mail: deps.mail, audit, clock, random });
  const emailConfirmation = new EmailConfirmation({ codes: emailCodeRows, confirmations: emailCodeRows, directory, state, failures, audit, clock });
  const verification = new VerificationService({
    state,
    credentials,
    backupCodes,
    failures,
    sessions,
    browserSessions: browserSessionRows,
    audit,
    clock,
    random,
    emailCodes: emailCodeRows,
  });
  const stepUp = new StepUp(credentials, browserSessions, verification, clock);
  const enrollment = new EnrollmentService({
    credentials,
    state,
    failures,
    sessions,
    browserSessions: browserSessionRows,
    ids,
    stepUp,
    audit,
    clock,
    random,
    emailConfirmation,
  });
  const devices = deps.pairedDevices;
  const factors = new FactorManagement({
    credentials,
    backupCodes,
    failures,
    stepUp,
    browserSessions,
    audit,
    clock,
    random,
    ...(devices ? { removeDevices: (tenant: string, accountId: string) => devices.removeAll(tenant, accountId) } : {}),
  });
  const status = new FactorStatusService({
    reader: new SqlFactorStatusReader(sequelize),
    ids,
    directory,
    clock,
    onDirectoryFailure: (error) => logFailure(deps.logger, error, 'could not read the user’s groups from Jira; treating two-step verification as required'),
    emailUsable: (tenant, accountId, policy) => emailCodes.usableFor(tenant, accountId, policy),
    ...(devices ? { pairedDevices: async (tenant: string, accountId: string) => (await devices.list(tenant, accountId)).length } : {}),
  });
  const roster = new UserRoster(
    directory,
    mappings,
    credentials,
    backupCodes,
    ids,
    failures,
    clock,
    devices ? (tenant, accountIds) => devices.accountsWithDevices(tenant, accountIds) : undefined,
  );
  const requireVerification = requireRecentVerification(stepUp, policies);

  return {
    policies,
    ids,
    verification,
    /** The host's user directory (cached), for the rollout and the directory mirror's jobs. */
    directory,
    /** What the forward-auth gate's pages use of two-step verification: the same services, not copies. */
    forGate: {
      enrollment,
      ids,
      browserSessions,
      hasFactor: async (tenant: string, accountId: string) => (await credentials.enrollmentState(tenant, accountId)).active !== null,
      emailCodes,
    },
    /** What other areas (the access pass) build on: the same IDs (above), step-up, credentials and audit log. */
    stepUp,
    credentials,
    audit,
    /**
     * The step-up every admin write needs (once the admin is enrolled: a session of the calling
     * browser verified within the policy's `stepUpMinutes`), built
     * once for every area's admin routes (the connector's too).
     */
    requireVerification,
    /** A cached tenant state is stale (install, uninstall, policy change on any instance). */
    forgetTenant(clientKey: string | undefined): void {
      if (clientKey === undefined) {
        policies.clear();
        return;
      }
      policies.invalidate(clientKey);
      directory.forgetTenant(clientKey);
    },
    /** The /me routes also answered before Express (src/http/api-lane.ts). */
    laneRoutes(): LaneRoute[] {
      return meLaneRoutes({ status, policies, verification });
    },
    userRouters(): Router[] {
      return [
        meRouter({
          policies,
          status,
          enrollment,
          verification,
          factors,
          ids,
          qrPng: qrCodePngDataUrl,
          emailCodes,
          emailConfirmation,
          idChecks: { limiter: new ClientRateLimiter(clock, 10_000), rule: { limit: ID_CHECKS_PER_MINUTE, windowSeconds: 60 } },
        }),
      ];
    },
    adminRouters(): Router[] {
      return [
        adminPolicyRouter({ policies, requireVerification }),
        adminUsersRouter({ policies, roster, ids, factors, requireVerification }),
        adminAuditRouter({ audit }),
      ];
    },
    /** The user's pages, and the admin pages (policy, users, audit log) for Jira admins. */
    pagesRouters(auth: Authentication, hostScriptUrlFor: (tenant: Tenant) => string): Router[] {
      return [
        // First: a user who must set up a factor gets onboarding on every Twofold page.
        onboardingPagesRouter({ authenticatePage: auth.page, policies, status, emailConfirmation, hostScriptUrlFor }),
        mePagesRouter({ authenticatePage: auth.page, policies, hostScriptUrlFor }),
        adminPagesRouter({ authenticatePage: auth.page, requireJiraAdmin: auth.jiraAdmin, hostScriptUrlFor }),
      ];
    },
  };
}

export type TwoStep = ReturnType<typeof composeTwoStep>;
