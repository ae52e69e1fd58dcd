import type { RequestHandler, Router } from 'express';
import { adminDirectoryRouter } from '../../routes/admin-directory';
import { adminJobsRouter } from '../../routes/admin-jobs';
import { adminRolloutsRouter } from '../../routes/admin-rollouts';
import type { Database } from '../adapters/db/database';
import { directoryMirrorWritesIn, SequelizeDirectoryMirror } from '../adapters/db/directory-mirror-repository';
import { SequelizeJobStore } from '../adapters/db/job-repository';
import { rolloutWritesIn } from '../adapters/db/rollout-writes';
import type { Logger } from '../adapters/logging/logger';
import type { Config } from '../config/config';
import { DIRECTORY_REFRESH_KIND, directoryRefreshJob, type DirectoryRefreshParams } from '../domain/directory/directory-refresh-job';
import { MirroredRoster } from '../domain/directory/mirrored-roster';
import type { UserDirectory } from '../domain/directory/user-directory';
import { InvariantError, isTwofoldError } from '../domain/errors';
import { expandIdPattern } from '../domain/idmap/id-pattern';
import type { PolicyService } from '../domain/policy/policy-service';
import type { Clock } from '../domain/ports/clock';
import type { JiraServerClient } from '../domain/ports/jira-server-client';
import { rolloutJob } from '../domain/rollout/rollout-job';
import { RolloutService } from '../domain/rollout/rollout-service';
import type { Tenant } from '../domain/tenancy/tenant';
import { startDirectoryRefreshSchedule } from '../jobs/directory-refresh-schedule';
import { JobRunner } from '../jobs/job-runner';

export interface JobsDeps {
  database: Database;
  config: Pick<Config, 'jobs' | 'directoryRefreshHours'>;
  clock: Clock;
  logger: Logger;
  requireVerification: RequestHandler;
  policies: PolicyService;
  directory: UserDirectory;
  findTenant(clientKey: string): Promise<Tenant | null>;
  /** The connector's client (connector.service.clientFor): rollout and sync toward Jira Server/DC. */
  connectorClient(clientKey: string): Promise<JiraServerClient>;
}

export interface Jobs {
  runner: JobRunner;
  /** Starts a directory refresh of the tenant (`409 job_running` while one runs). */
  refreshDirectory(tenant: Tenant, actorAccountId: string | null, target: 'host' | 'connector'): Promise<string>;
  /** The scheduled refresh of an installed tenant's host mirror, by clientKey (no admin). */
  scheduledRefresh(clientKey: string): Promise<string>;
  adminRouters(): Router[];
  /** Starts the runner and the refresh schedule. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The durable job runner on the app's database with the kinds built here (rollout, directory refresh),
 * the directory mirror, and their admin routes. Other kinds (sync, token import) register on `runner`
 * before app.ts starts it.
 */
export function composeJobs(deps: JobsDeps): Jobs {
  const { sequelize } = deps.database;
  const runner = new JobRunner({
    store: new SequelizeJobStore(sequelize),
    clock: deps.clock,
    logger: deps.logger,
    leaseMs: deps.config.jobs.leaseSeconds * 1000,
    concurrency: deps.config.jobs.concurrency,
    pollMs: deps.config.jobs.pollMilliseconds,
    singleInstance: deps.database.dialect === 'sqlite',
  });
  const mirror = new SequelizeDirectoryMirror(sequelize);
  const findTenant = (clientKey: string) => deps.findTenant(clientKey);
  const connectorClient = (clientKey: string) => deps.connectorClient(clientKey);

  const refreshDirectory = async (tenant: Tenant, actorAccountId: string | null, target: 'host' | 'connector'): Promise<string> => {
    // Data Center lists users group by group: the connector mirror holds the enforced groups' members.
    const groups = target === 'connector' ? (await deps.policies.get(tenant)).enforcedGroups : [];
    if (target === 'connector') await connectorClient(tenant.clientKey);
    const params: DirectoryRefreshParams = { target, groups };
    return runner.enqueue(tenant.clientKey, DIRECTORY_REFRESH_KIND, params, actorAccountId);
  };

  runner.register(
    directoryRefreshJob({ directory: deps.directory, findTenant, connectorClient, writesIn: directoryMirrorWritesIn, sweeper: mirror, clock: deps.clock }),
  );
  runner.register(
    rolloutJob({
      directory: deps.directory,
      findTenant,
      connectorClient,
      writesIn: rolloutWritesIn,
      clock: deps.clock,
      async enforceGroup(tenant, actorAccountId, group) {
        if (actorAccountId === null) throw new InvariantError('a rollout without the admin who started it');
        const policy = await deps.policies.get(tenant);
        if (policy.enforcedGroups.some((name) => name.toLowerCase() === group.toLowerCase())) return;
        await deps.policies.update(tenant, actorAccountId, { enforcedGroups: [...policy.enforcedGroups, group] });
      },
      async afterRollout(clientKey, target, actorAccountId) {
        const tenant = await findTenant(clientKey);
        if (!tenant) return;
        // The users page shows the new IDs and who is now required; a refresh already running will do.
        await refreshDirectory(tenant, actorAccountId, target).catch((error: unknown) => {
          if (!(isTwofoldError(error) && error.code === 'job_running'))
            deps.logger.warn({ err: error, tenant: clientKey }, 'no directory refresh after the rollout');
        });
      },
    }),
  );
  const rollouts = new RolloutService({
    policies: deps.policies,
    enqueue: (tenant, kind, params, actor) => runner.enqueue(tenant, kind, params, actor),
    connectorReady: async (tenant) => {
      await connectorClient(tenant);
    },
  });
  const roster = new MirroredRoster({
    mirror,
    deriveId: (policy, user) => {
      const expanded = expandIdPattern(policy.idPattern, user);
      return expanded.ok ? expanded.twoFactorId : user.accountId;
    },
    clock: deps.clock,
  });
  let schedule: { stop(): void } | undefined;
  const scheduledRefresh = async (clientKey: string): Promise<string> => {
    const tenant = await findTenant(clientKey);
    if (!tenant) throw new InvariantError('a stale mirror of a tenant that is not installed', { clientKey });
    return refreshDirectory(tenant, null, 'host');
  };

  return {
    runner,
    refreshDirectory,
    scheduledRefresh,
    adminRouters: () => [
      adminJobsRouter({ jobs: runner, requireVerification: deps.requireVerification }),
      adminRolloutsRouter({ rollouts, requireVerification: deps.requireVerification }),
      adminDirectoryRouter({ roster, policies: deps.policies, refresh: refreshDirectory, requireVerification: deps.requireVerification }),
    ],
    async start() {
      await runner.start();
      schedule = startDirectoryRefreshSchedule({
        mirror,
        clock: deps.clock,
        logger: deps.logger,
        maxAgeHours: deps.config.directoryRefreshHours,
        refresh: scheduledRefresh,
      });
    },
    async stop() {
      schedule?.stop();
      await runner.stop();
    },
  };
}
