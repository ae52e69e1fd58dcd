import type { RequestHandler, Router } from 'express';
import { adminJobsRouter } from '../../routes/admin-jobs';
import type { Database } from '../adapters/db/database';
import { SequelizeJobStore } from '../adapters/db/job-repository';
import type { Logger } from '../adapters/logging/logger';
import type { Config } from '../config/config';
import type { Clock } from '../domain/ports/clock';
import { JobRunner } from '../jobs/job-runner';
import { adminRolloutsRouter } from '../../routes/admin-rollouts';
import { rolloutWritesIn } from '../adapters/db/rollout-writes';
import type { UserDirectory } from '../domain/directory/user-directory';
import { InvariantError } from '../domain/errors';
import type { PolicyService } from '../domain/policy/policy-service';
import type { JiraServerClient } from '../domain/ports/jira-server-client';
import { rolloutJob } from '../domain/rollout/rollout-job';
import { RolloutService } from '../domain/rollout/rollout-service';
import type { Tenant } from '../domain/tenancy/tenant';

export interface JobsDeps {
  database: Database;
  policies: PolicyService;
  directory: UserDirectory;
  findTenant(clientKey: string): Promise<Tenant | null>;
  /** The connector's client (connector.service.clientFor): rollout and sync toward Jira Server/DC. */
  connectorClient(clientKey: string): Promise<JiraServerClient>;
  config: Config['jobs'];
  clock: Clock;
  logger: Logger;
  requireVerification: RequestHandler;
}

export interface Jobs {
  runner: JobRunner;
  adminRouters(): Router[];
}

/**
 * The durable job runner on the app's database, and the jobs' admin routes. The kinds (rollout,
 * directory refresh, sync, token import) register themselves on `runner` before app.ts starts it.
 */
export function composeJobs(deps: JobsDeps): Jobs {
  const runner = new JobRunner({
    store: new SequelizeJobStore(deps.database.sequelize),
    clock: deps.clock,
    logger: deps.logger,
    leaseMs: deps.config.leaseSeconds * 1000,
    concurrency: deps.config.concurrency,
    pollMs: deps.config.pollMilliseconds,
    singleInstance: deps.database.dialect === 'sqlite',
  });
  runner.register(
    rolloutJob({
      directory: deps.directory,
      findTenant: (clientKey) => deps.findTenant(clientKey),
      connectorClient: (clientKey) => deps.connectorClient(clientKey),
      writesIn: rolloutWritesIn,
      clock: deps.clock,
      async enforceGroup(tenant, actorAccountId, group) {
        if (actorAccountId === null) throw new InvariantError('a rollout without the admin who started it');
        const policy = await deps.policies.get(tenant);
        if (policy.enforcedGroups.includes(group)) return;
        await deps.policies.update(tenant, actorAccountId, { enforcedGroups: [...policy.enforcedGroups, group] });
      },
    }),
  );
  const rollouts = new RolloutService({
    policies: deps.policies,
    enqueue: (tenant, kind, params, actor) => runner.enqueue(tenant, kind, params, actor),
    connectorReady: async (tenant) => {
      await deps.connectorClient(tenant);
    },
  });
  return {
    runner,
    adminRouters: () => [
      adminJobsRouter({ jobs: runner, requireVerification: deps.requireVerification }),
      adminRolloutsRouter({ rollouts, requireVerification: deps.requireVerification }),
    ],
  };
}
