import type { RequestHandler, Router } from 'express';
import { adminJobsRouter } from '../../routes/admin-jobs';
import type { Database } from '../adapters/db/database';
import { SequelizeJobStore } from '../adapters/db/job-repository';
import type { Logger } from '../adapters/logging/logger';
import type { Config } from '../config/config';
import type { Clock } from '../domain/ports/clock';
import { JobRunner } from '../jobs/job-runner';

export interface JobsDeps {
  database: Database;
  config: Config['jobs'];
  clock: Clock;
  logger: Logger;
  requireVerification: RequestHandler;
}

export interface Jobs {
  runner: JobRunner;
  adminRouter(): Router;
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
  return {
    runner,
    adminRouter: () => adminJobsRouter({ jobs: runner, requireVerification: deps.requireVerification }),
  };
}
